package parser

import (
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Cutting FOR SYSTEM_TIME AS OF out of a query: TiDB rejects
//
//	JOIN users FOR SYSTEM_TIME AS OF c.event_time AS u ON ...
//
// so the table name and the clause are replaced by a placeholder table,
// JOIN chatsql_tt_1 AS u ON ..., and the table and its AS OF expression
// (parsed on its own, with positions) are recorded in Query.Temporal, the
// way MATCH_RECOGNIZE is cut out (mr_lift.go).

// ttPrefix starts the placeholder names; a query with FOR SYSTEM_TIME AS
// OF cannot use such a name itself.
const ttPrefix = "chatsql_tt_"

// TemporalTable is `<table> FOR SYSTEM_TIME AS OF <expr> [[AS] alias]` in a
// query's FROM or JOIN.
type TemporalTable struct {
	Name  Ident  // the table, with the position of its name
	AsOf  *Expr  // the AS OF expression: a time attribute or PROCTIME()
	Pos   int    // byte offset of FOR
	Alias string // the alias TiDB found after the clause, "" if none
}

// ttCut is what cutTemporal found: the edits that put placeholders in,
// and the clause of each placeholder.
type ttCut struct {
	edits []textEdit
	names []string
	tts   []*TemporalTable
}

const ttPlacement = "FOR SYSTEM_TIME AS OF follows a table name in FROM or JOIN: " +
	"JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON ..."

// ttExprStop are the words that end the AS OF expression at its top level.
var ttExprStop = map[string]bool{"AS": true, "ON": true, "USING": true, "WHERE": true, "JOIN": true,
	"LEFT": true, "RIGHT": true, "INNER": true, "CROSS": true, "FULL": true, "NATURAL": true,
	"STRAIGHT_JOIN": true, "GROUP": true, "ORDER": true, "LIMIT": true, "HAVING": true, "UNION": true,
	"EXCEPT": true, "INTERSECT": true, "WINDOW": true, "MATCH_RECOGNIZE": true, "FOR": true}

// ttOperatorWords may follow an operand inside an expression (so a word
// after an operand is an alias only when it is not one of these).
var ttOperatorWords = map[string]bool{"AND": true, "OR": true, "XOR": true, "NOT": true, "IS": true,
	"LIKE": true, "ILIKE": true, "IN": true, "BETWEEN": true, "DIV": true, "MOD": true, "REGEXP": true,
	"RLIKE": true, "ESCAPE": true, "COLLATE": true}

// cutTemporal finds and parses the FOR SYSTEM_TIME AS OF clauses of the
// query src.Text[start:end], except those inside skip (the
// MATCH_RECOGNIZE placeholders: a clause in a MATCH_RECOGNIZE's input
// subquery belongs to that subquery's parse). FOR VERSION AS OF and AS OF
// a constant time (time travel) are reported as not supported yet.
func cutTemporal(src *diag.Source, start, end int, skip []textEdit) (cut ttCut, err *diag.Error) {
	text := src.Text[start:end]
	if !containsFold(text, "SYSTEM_TIME") && !containsFold(text, "VERSION") {
		return cut, nil
	}
	p, match, openOf, ok := cutLex(src, start, end)
	if !ok {
		return cut, nil // lift reports it
	}
	toks := p.toks
	defer catchBailout(&cut, &err)
	for k := 0; k+1 < len(toks); k++ {
		t := toks[k]
		if !t.is("FOR") || !(toks[k+1].is("SYSTEM_TIME") || toks[k+1].is("VERSION")) || editAt(skip, t.start) {
			continue
		}
		if toks[k+1].is("VERSION") {
			p.failHint(t.start, diag.Unsupported, "time travel to an Iceberg snapshot comes with Iceberg tables; "+
				"a temporal join reads FOR SYSTEM_TIME AS OF the left side's time attribute or PROCTIME()",
				"FOR VERSION AS OF is not supported yet")
		}
		if k+3 >= len(toks) || !toks[k+2].is("AS") || !toks[k+3].is("OF") {
			at := toks[min(k+2, len(toks)-1)]
			p.failHint(at.start, diag.Syntax, "FOR SYSTEM_TIME AS OF s.event_time (or PROCTIME())",
				"expected AS OF after FOR SYSTEM_TIME, found %s", p.describe(at))
		}
		ref := p.ttTableRef(k, openOf)
		e0 := k + 4
		stop := ttExprEnd(toks, e0, match)
		if stop == e0 {
			p.failHint(toks[e0].start, diag.Syntax, "FOR SYSTEM_TIME AS OF s.event_time (the left side's time attribute) or PROCTIME()",
				"expected a time after FOR SYSTEM_TIME AS OF, found %s", p.describe(toks[e0]))
		}
		asOf, perr := parseExpr(src, toks[e0].start, toks[stop-1].end)
		if perr != nil {
			panic(bailout{perr})
		}
		if isConstantTime(asOf.Node) {
			p.failHint(toks[e0].start, diag.Unsupported, "time travel comes with Iceberg tables; a temporal join reads "+
				"FOR SYSTEM_TIME AS OF the left side's time attribute (s.event_time) or PROCTIME()",
				"FOR SYSTEM_TIME AS OF a constant time (time travel) is not supported yet")
		}
		id := Ident{Pos: toks[ref].start}
		for j := ref; j < k; j += 2 {
			id.Parts = append(id.Parts, toks[j].val)
		}
		name := ttPrefix + strconv.Itoa(len(cut.names)+1)
		cut.edits = append(cut.edits, textEdit{toks[ref].start, toks[stop-1].end, name})
		cut.names = append(cut.names, name)
		cut.tts = append(cut.tts, &TemporalTable{Name: id, AsOf: asOf, Pos: t.start})
		k = stop - 1
	}
	if len(cut.names) > 0 {
		p.reservePrefix(ttPrefix, "FOR SYSTEM_TIME AS OF", "the temporal tables")
	}
	return cut, nil
}

// ttTableRef returns the index of the first token of the table name before
// the FOR at k, checking that it is a (possibly qualified) name in FROM or
// JOIN.
func (p *stmtParser) ttTableRef(k int, openOf []int) int {
	toks := p.toks
	kw := toks[k]
	if k == 0 {
		p.failHint(kw.start, diag.Syntax, ttPlacement, "FOR SYSTEM_TIME AS OF must follow a table name")
	}
	prev := toks[k-1]
	switch {
	case prev.isOp(")") && openOf[k-1] >= 0:
		p.failHint(kw.start, diag.Unsupported, "name the table itself: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r",
			"FOR SYSTEM_TIME AS OF must follow a table name, not a subquery")
	case !(prev.kind == tokQuotedIdent || prev.kind == tokIdent && !reservedWords[strings.ToUpper(prev.val)]):
		p.failHint(kw.start, diag.Syntax, ttPlacement, "FOR SYSTEM_TIME AS OF must follow a table name")
	}
	ref := k - 1
	for ref >= 2 && toks[ref-1].isOp(".") && (toks[ref-2].kind == tokIdent || toks[ref-2].kind == tokQuotedIdent) {
		ref -= 2
	}
	if ref == 0 {
		p.failHint(kw.start, diag.Syntax, ttPlacement, "FOR SYSTEM_TIME AS OF must follow a table name")
	}
	switch b := toks[ref-1]; {
	case b.is("FROM") || b.is("JOIN") || b.is("STRAIGHT_JOIN") || b.isOp(",") || b.isOp("("):
		return ref
	case b.is("AS") || b.kind == tokQuotedIdent || b.kind == tokIdent && !reservedWords[strings.ToUpper(b.val)]:
		alias := toks[ref]
		at := alias.start
		if b.is("AS") {
			at = b.start
		}
		p.failHint(at, diag.Syntax, "write the alias after the clause: FOR SYSTEM_TIME AS OF ... AS "+alias.val,
			"the alias '%s' must come after FOR SYSTEM_TIME AS OF <time>, not before it", alias.val)
	}
	p.failHint(kw.start, diag.Syntax, ttPlacement, "FOR SYSTEM_TIME AS OF must follow a table name in FROM or JOIN")
	return 0
}

// ttExprEnd returns the index of the first token after the AS OF
// expression that starts at e0: the expression ends at its top level
// before a clause word, ',', ')' or ';', or before an alias written
// without AS (a name right after a complete operand).
func ttExprEnd(toks []token, e0 int, match []int) int {
	operandEnd := func(t token) bool {
		return t.kind == tokQuotedIdent || t.kind == tokNumber || t.kind == tokString || t.isOp(")") ||
			t.kind == tokIdent && !ttOperatorWords[strings.ToUpper(t.val)]
	}
	j := e0
	for {
		t := toks[j]
		switch {
		case t.kind == tokEOF, t.isOp(","), t.isOp(")"), t.isOp(";"):
			return j
		case t.kind == tokIdent && ttExprStop[strings.ToUpper(t.val)]:
			return j
		case (t.kind == tokIdent && !ttOperatorWords[strings.ToUpper(t.val)] || t.kind == tokQuotedIdent) &&
			j > e0 && operandEnd(toks[j-1]) && !toks[j-1].isOp(".") &&
			!(j-2 >= e0 && toks[j-2].is("INTERVAL")) && !toks[j-1].is("INTERVAL"):
			return j
		case t.isOp("(") && match[j] > j:
			j = match[j]
		}
		j++
	}
}

// isConstantTime reports whether the AS OF expression is a literal (time
// travel: TIMESTAMP '...', a string or a number).
func isConstantTime(n ast.ExprNode) bool {
	switch x := n.(type) {
	case ast.ValueExpr:
		return true
	case *ast.FuncCallExpr:
		name := x.FnName.L
		if i := strings.LastIndex(name, "("); i >= 0 {
			name = name[i+1:]
		}
		return name == "timestampliteral" || name == "dateliteral"
	}
	return false
}

// attach records the temporal tables in q with the aliases TiDB found,
// checking that each placeholder is a table in FROM or JOIN.
func (c ttCut) attach(q *Query) *diag.Error {
	if len(c.tts) == 0 {
		return nil
	}
	aliases, missing := placeholderAliases(q, ttPrefix, c.names)
	if missing >= 0 {
		return diag.Errorf(q.Src, c.tts[missing].Pos, diag.Syntax, "FOR SYSTEM_TIME AS OF must follow a table name in FROM or JOIN").
			WithHint("%s", ttPlacement)
	}
	q.Temporal = make(map[string]*TemporalTable, len(c.tts))
	for i, name := range c.names {
		c.tts[i].Alias = aliases[i]
		q.Temporal[name] = c.tts[i]
	}
	return nil
}

package parser

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// query parses the rest of the statement, from token i, as a query.
func (p *stmtParser) query(i int) *Query {
	start, end := p.toks[i].start, p.end()
	p.p = len(p.toks) - 1
	q, err := parseQuery(p.src, start, end)
	if err != nil {
		panic(bailout{err})
	}
	return q
}

// parseQuery lifts src.Text[start:end] and parses it with TiDB as one
// SELECT (or set operation such as UNION).
func parseQuery(src *diag.Source, start, end int) (*Query, *diag.Error) {
	mr, err := cutMatchRecognize(src, start, end)
	if err != nil {
		return nil, err
	}
	tt, err := cutTemporal(src, start, end, mr.edits)
	if err != nil {
		return nil, err
	}
	cuts := append(append([]textEdit(nil), mr.edits...), tt.edits...)
	tn, err := cutTableNames(src, start, end, cuts)
	if err != nil {
		return nil, err
	}
	l, lerr := lift(src.Text, start, end, "", append(cuts, tn.edits...)...)
	if lerr != nil {
		return nil, unterminated(src, lerr)
	}
	stmts, terr := tidbParse(l.text)
	if terr != nil {
		return nil, tidbError(src, start, end, l, terr)
	}
	if len(stmts) != 1 {
		return nil, diag.Errorf(src, start, diag.Syntax, "expected one query, found %d statements", len(stmts))
	}
	switch stmts[0].(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return nil, diag.Errorf(src, start, diag.Syntax, "expected a query (SELECT ...)").
			WithHint("only SELECT, WITH ... SELECT and UNION queries are allowed here")
	}
	q := &Query{Src: src, Start: start, End: end, Stmt: stmts[0], Rewritten: l.text, posMap: l.pm}
	if err := mr.attach(q); err != nil {
		return nil, err
	}
	if err := tt.attach(q); err != nil {
		return nil, err
	}
	if err := tn.attach(q); err != nil {
		return nil, err
	}
	return q, nil
}

// exprStopWords end an expression when they appear at the top level; used
// to point at what follows a complete expression.
var exprStopWords = []string{"AS", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "INTO", "UNION"}

// ParseExpr parses src.Text[start:end] as one scalar expression, through
// the lifting pass and TiDB (as "SELECT <expr>"). The Expr's Rewritten is
// the full text TiDB saw, prefix included; Offset maps positions in it back
// to src. Errors are *diag.Error.
func ParseExpr(src *diag.Source, start, end int) (*Expr, error) {
	if start < 0 || end > len(src.Text) || start > end {
		return nil, diag.Errorf(src, start, diag.Syntax, "expression range %d..%d out of bounds", start, end)
	}
	e, err := parseExpr(src, start, end)
	if err != nil {
		return nil, err
	}
	return e, nil
}

func parseExpr(src *diag.Source, start, end int) (*Expr, *diag.Error) {
	return parseExprWith(src, start, end, lifters)
}

// parseExprWith is parseExpr with the lifters ls.
func parseExprWith(src *diag.Source, start, end int, ls []lifter) (*Expr, *diag.Error) {
	if strings.TrimSpace(src.Text[start:end]) == "" {
		return nil, diag.Errorf(src, start, diag.Syntax, "expected an expression")
	}
	l, lerr := liftWith(src.Text, start, end, "SELECT ", ls, nil)
	if lerr != nil {
		return nil, unterminated(src, lerr)
	}
	stmts, err := tidbParse(l.text)
	if err != nil {
		return nil, tidbError(src, start, end, l, err)
	}
	sel, ok := stmts[0].(*ast.SelectStmt)
	if len(stmts) != 1 || !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].Expr == nil ||
		sel.Fields.Fields[0].AsName.L != "" || sel.From != nil || sel.Where != nil || sel.GroupBy != nil ||
		sel.Having != nil || sel.OrderBy != nil || sel.Limit != nil || sel.WindowSpecs != nil || sel.SelectIntoOpt != nil {
		return nil, notOneExpr(src, start, end)
	}
	return &Expr{Src: src, Start: start, End: end, Node: sel.Fields.Fields[0].Expr, Rewritten: l.text, posMap: l.pm}, nil
}

// notOneExpr points at what follows the expression: a top-level ',' or
// clause keyword, else the expression's start.
func notOneExpr(src *diag.Source, start, end int) *diag.Error {
	r := lex(src.Text, start, end)
	depth := 0
	for _, t := range r.toks {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.isOp(","):
			return diag.Errorf(src, t.start, diag.Syntax, "unexpected ',': expected one expression")
		case depth == 0 && t.kind == tokIdent:
			for _, w := range exprStopWords {
				if t.is(w) {
					return diag.Errorf(src, t.start, diag.Syntax, "unexpected %s: expected one expression", strings.ToUpper(t.val))
				}
			}
		}
	}
	return diag.Errorf(src, start, diag.Syntax, "expected one expression")
}

// clauseKeywords are where a query's clauses start; a misspelling of one
// usually makes TiDB fail one token later (WHER is taken as an alias).
var clauseKeywords = []string{"SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT",
	"JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "ON", "UNION", "DISTINCT", "CASE", "WHEN", "THEN", "ELSE", "END"}

// reservedWords are TiDB's reserved keywords, which cannot be names unless
// backquoted.
var reservedWords = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range tidb.Keywords {
		if k.Reserved {
			m[strings.ToUpper(k.Word)] = true
		}
	}
	return m
}()

// structureWords are reserved words whose misplacement is not a naming
// problem, so the "write `key`" hint would mislead.
var structureWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range append([]string{"AS", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "BETWEEN", "ALL",
		"EXISTS", "INTERVAL", "REGEXP", "ASC", "DESC", "WITH", "OVER", "PARTITION", "WINDOW", "INTO"}, clauseKeywords...) {
		m[w] = true
	}
	return m
}()

// afterComma are the tokens that make a ',' before them a trailing comma.
var afterComma = map[string]bool{"FROM": true, "WHERE": true, "GROUP": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "UNION": true, ")": true, "": true}

// tidbError turns a TiDB parse error on lifted text into a positioned
// error in src, with a hint for the usual mistakes.
func tidbError(src *diag.Source, start, end int, l lifted, err error) *diag.Error {
	if errors.Is(err, errTiDBPanic) {
		return diag.Errorf(src, start, diag.Syntax, "cannot parse this query: %v", err).
			WithHint("this is a bug in chatsql's parser; please report it with the statement")
	}
	roff, ok := tidbErrorOffset(err, l.text)
	if !ok {
		return diag.Errorf(src, start, diag.Syntax, "syntax error: %v", err)
	}
	off := start + l.pm.original(roff)
	r := lex(src.Text, start, end)
	if e := matchRecognizeError(src, start, r.toks, l.pm); e != nil {
		return e
	}
	// A clause that was not cut out (cutTemporal reports misplaced ones
	// itself): say so plainly rather than report a syntax error inside it.
	for k, t := range r.toks {
		if t.is("FOR") && (r.toks[k+1].is("SYSTEM_TIME") || r.toks[k+1].is("VERSION")) && !inEdit(l.pm, t.start-start) {
			return diag.Errorf(src, t.start, diag.Unsupported, "%s is not supported yet",
				strings.ToUpper(src.Text[t.start:r.toks[min(k+1, len(r.toks)-1)].end]))
		}
	}
	// Look at the user's tokens around the error.
	i := 0
	for i < len(r.toks)-1 && r.toks[i].end <= off {
		i++
	}
	cur := r.toks[i]
	curWord := strings.ToUpper(cur.val)
	if cur.kind == tokIdent || cur.kind == tokOp || cur.kind == tokEOF {
		if i > 0 && r.toks[i-1].isOp(",") && afterComma[curWord] && cur.kind != tokString {
			what := curWord
			if what == "" {
				what = "the end"
			}
			return diag.Errorf(src, r.toks[i-1].start, diag.Syntax, "trailing ',' before %s", what).
				WithHint("remove the ','")
		}
	}
	if i > 0 && r.toks[i-1].kind == tokIdent {
		if prev := r.toks[i-1]; len(prev.val) >= 4 && !reservedWords[strings.ToUpper(prev.val)] {
			if c := connectors.Closest(prev.val, clauseKeywords); c != "" && !strings.EqualFold(c, prev.val) {
				return diag.Errorf(src, prev.start, diag.Syntax, "syntax error at '%s'", prev.val).
					WithHint("did you mean %s?", c)
			}
		}
	}
	if cur.isOp(".") && i >= 5 && r.toks[i-2].isOp(".") && r.toks[i-4].isOp(".") {
		return diag.Errorf(src, cur.start, diag.Syntax, "syntax error at '.': a name has too many parts").
			WithHint("a column is col, t.col or namespace.t.col: give an Iceberg table an alias (FROM lake.chat.t AS t) and write t.col")
	}
	if cur.kind == tokIdent && reservedWords[curWord] && !structureWords[curWord] {
		return diag.Errorf(src, cur.start, diag.Syntax, "syntax error at '%s'", cur.val).
			WithHint("%s is a reserved word; write `%s` to use it as a name", curWord, cur.val)
	}
	if cur.kind == tokIdent && len(cur.val) >= 4 && !reservedWords[curWord] {
		if c := connectors.Closest(cur.val, clauseKeywords); c != "" && !strings.EqualFold(c, cur.val) {
			return diag.Errorf(src, cur.start, diag.Syntax, "syntax error at '%s'", cur.val).
				WithHint("did you mean %s?", c)
		}
	}
	if cur.kind == tokEOF || off >= end {
		return diag.Errorf(src, min(off, end), diag.Syntax, "syntax error: unexpected end of statement")
	}
	return diag.Errorf(src, off, diag.Syntax, "syntax error at %s", quoteTok(src.Text[cur.start:cur.end]))
}

func quoteTok(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("'%s'", s)
}

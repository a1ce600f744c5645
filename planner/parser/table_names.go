package parser

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Cutting the leading parts off a table name of three or more parts: an
// Iceberg table is named catalog.namespace.table, but TiDB's grammar takes
// at most schema.table in FROM and JOIN, so
//
//	FROM lake.chat.messages AS m
//
// becomes FROM chatsql_tn_1.messages AS m, and the name with its position
// is recorded in Query.Tables under the placeholder schema chatsql_tn_1.
// The last part stays as the user wrote it, so TiDB's default alias is the
// table's own name. Only table positions change: a.b.c in an expression is
// a column (schema.table.column) and is left alone.

// tnPrefix starts the placeholder schema names; a query with a name of
// three parts in FROM cannot use such a name itself.
const tnPrefix = "chatsql_tn_"

// tnCut is what cutTableNames found: the edits that put placeholders in,
// and the name each placeholder stands for.
type tnCut struct {
	edits []textEdit
	names []string
	ids   []Ident
}

// tnClauseEnds end the FROM clause at their parenthesis depth.
var tnClauseEnds = map[string]bool{"SELECT": true, "WHERE": true, "GROUP": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "WINDOW": true, "UNION": true, "EXCEPT": true, "INTERSECT": true,
	"INTO": true, "QUALIFY": true}

// cutTableNames finds the names of three or more parts in the table
// positions (after FROM, JOIN, or a ',' of a FROM list) of the query
// src.Text[start:end], except inside skip (the MATCH_RECOGNIZE and FOR
// SYSTEM_TIME AS OF cuts, which keep their names themselves).
func cutTableNames(src *diag.Source, start, end int, skip []textEdit) (cut tnCut, err *diag.Error) {
	if !hasDottedChain(src.Text[start:end]) {
		return cut, nil
	}
	p, _, _, ok := cutLex(src, start, end)
	if !ok {
		return cut, nil // lift reports it
	}
	toks := p.toks
	defer catchBailout(&cut, &err)
	isName := func(t token) bool { return t.kind == tokIdent || t.kind == tokQuotedIdent }
	// a reserved word is a part only right after its '.' (lake.chat.order):
	// lake.chat. WHERE is a name missing its last part
	isPart := func(dot, t token) bool {
		return isName(t) && (t.kind == tokQuotedIdent || !reservedWords[strings.ToUpper(t.val)] || t.start == dot.end)
	}
	// at each parenthesis depth: whether a SELECT was seen (so FROM starts
	// a FROM clause, not EXTRACT(x FROM y)), whether the tokens are in a
	// FROM clause, and whether the next token may start a table reference
	type level struct{ query, inFrom, expect bool }
	levels := []level{{query: true}}
	for k := 0; k < len(toks) && toks[k].kind != tokEOF; k++ {
		t := toks[k]
		lv := &levels[len(levels)-1]
		switch {
		case t.isOp("("):
			// a parenthesised table reference or subquery in FROM
			levels = append(levels, level{inFrom: lv.expect, expect: lv.expect})
			continue
		case t.isOp(")"):
			if len(levels) > 1 {
				levels = levels[:len(levels)-1]
			}
			levels[len(levels)-1].expect = false
			continue
		case t.kind == tokIdent && (t.is("FROM") && lv.query || t.is("JOIN") || t.is("STRAIGHT_JOIN")):
			lv.inFrom, lv.expect = true, true
			continue
		case t.isOp(",") && lv.inFrom:
			lv.expect = true
			continue
		case t.kind == tokIdent && tnClauseEnds[strings.ToUpper(t.val)]:
			lv.query = lv.query || t.is("SELECT")
			lv.inFrom, lv.expect = false, false
			continue
		}
		if !lv.expect {
			continue
		}
		lv.expect = false
		if !isName(t) || editAt(skip, t.start) {
			continue
		}
		last := k
		for last+2 < len(toks) && toks[last+1].isOp(".") && isPart(toks[last+1], toks[last+2]) {
			last += 2
		}
		if toks[last+1].isOp(".") {
			p.failHint(toks[last+2].start, diag.Syntax, "an Iceberg table is named catalog.namespace.table",
				"expected a table name after '%s', found %s", p.src.Text[t.start:toks[last+1].end], p.describe(toks[last+2]))
		}
		if last-k < 4 || toks[last+1].isOp("(") {
			k = last
			continue
		}
		id := Ident{Pos: t.start}
		for j := k; j <= last; j += 2 {
			id.Parts = append(id.Parts, toks[j].val)
		}
		name := tnPrefix + strconv.Itoa(len(cut.names)+1)
		cut.edits = append(cut.edits, textEdit{t.start, toks[last].start, name + "."})
		cut.names = append(cut.names, name)
		cut.ids = append(cut.ids, id)
		k = last
	}
	if len(cut.names) > 0 {
		p.reservePrefix(tnPrefix, "a name of three parts (catalog.namespace.table)", "the names' leading parts")
	}
	return cut, nil
}

// hasDottedChain reports whether s may hold a name of three or more parts:
// two dots with one name between them, give or take white space and /*
// comments */, or any backquoted name (a cheap test before lexing).
func hasDottedChain(s string) bool {
	if strings.IndexByte(s, '`') >= 0 {
		return true
	}
	i := strings.IndexByte(s, '.')
	for i >= 0 {
		k := strings.IndexByte(s[i+1:], '.')
		if k < 0 {
			return false
		}
		k += i + 1
		if isOneName(s[i+1 : k]) {
			return true
		}
		i = k
	}
	return false
}

// isOneName reports whether seg is one name part: one word of name bytes,
// with white space and /* comments */ around it.
func isOneName(seg string) bool {
	words, inWord := 0, false
	for j := 0; j < len(seg); j++ {
		c := seg[j]
		if c == '_' || c == '$' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80 {
			if !inWord {
				words++
			}
			inWord = true
			continue
		}
		inWord = false
		switch {
		case c == '/' && j+1 < len(seg) && seg[j+1] == '*':
			e := strings.Index(seg[j+2:], "*/")
			if e < 0 {
				return false
			}
			j += 2 + e + 1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			return false
		}
	}
	return words == 1
}

// placeholderSchemas collects the table names in TiDB's AST whose schema
// is a placeholder (starts with prefix).
type placeholderSchemas struct {
	prefix string
	found  map[string]bool
}

func (m placeholderSchemas) Enter(n ast.Node) (ast.Node, bool) {
	if tn, ok := n.(*ast.TableName); ok && strings.HasPrefix(tn.Schema.L, m.prefix) {
		m.found[tn.Schema.L] = true
	}
	return n, false
}

func (m placeholderSchemas) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// attach records the names in q, checking that each placeholder is the
// schema of a table name in TiDB's AST.
func (c tnCut) attach(q *Query) *diag.Error {
	if len(c.ids) == 0 {
		return nil
	}
	m := placeholderSchemas{prefix: tnPrefix, found: map[string]bool{}}
	q.Stmt.Accept(m)
	q.Tables = make(map[string]Ident, len(c.ids))
	for i, name := range c.names {
		if !m.found[name] {
			return diag.Errorf(q.Src, c.ids[i].Pos, diag.Syntax, "'%s' is not a table name here", c.ids[i].String()).
				WithHint("a name of three parts names an Iceberg table (catalog.namespace.table) in FROM or JOIN")
		}
		q.Tables[name] = c.ids[i]
	}
	return nil
}

// TableName returns the name tn stands for in q, with its position: the
// recorded catalog.namespace.table for a placeholder schema, else
// tn's schema and name (pos -1: not known).
func (q *Query) TableName(tn *ast.TableName) Ident {
	if id, ok := q.Tables[tn.Schema.L]; ok && tn.Schema.L != "" {
		return id
	}
	if tn.Schema.O == "" {
		return Ident{Parts: []string{tn.Name.O}, Pos: -1}
	}
	return Ident{Parts: []string{tn.Schema.O, tn.Name.O}, Pos: -1}
}

var tnPlaceholder = regexp.MustCompile(tnPrefix + `[0-9]+\.`)

// RestoreTableNames puts the catalog and namespace of each three-part name
// back into text of q's lifted query (a select field's text, which becomes
// a column's name when it has no alias): chatsql_tn_1.t → lake.chat.t.
func (q *Query) RestoreTableNames(text string) string {
	if len(q.Tables) == 0 || !strings.Contains(text, tnPrefix) {
		return text
	}
	return tnPlaceholder.ReplaceAllStringFunc(text, func(m string) string {
		id, ok := q.Tables[strings.ToLower(strings.TrimSuffix(m, "."))]
		if !ok || len(id.Parts) < 2 {
			return m
		}
		return strings.Join(id.Parts[:len(id.Parts)-1], ".") + "."
	})
}

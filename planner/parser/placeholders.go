package parser

import (
	"strings"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// What cutting a clause out of a query into a placeholder table shares,
// for MATCH_RECOGNIZE (mr_lift.go) and FOR SYSTEM_TIME AS OF (temporal.go).

// cutLex lexes the query src.Text[start:end] for a cut: its tokens in a
// parser to report through, and its parentheses paired (see parenMatch).
// ok is false when the text does not lex; lift reports that.
func cutLex(src *diag.Source, start, end int) (p *stmtParser, match, openOf []int, ok bool) {
	r := lex(src.Text, start, end)
	if r.err != nil {
		return nil, nil, nil, false
	}
	match, openOf = parenMatch(r.toks)
	return &stmtParser{src: src, toks: r.toks}, match, openOf, true
}

// catchBailout, deferred in a cut, turns a bailout into the cut's error,
// with nothing cut.
func catchBailout[C any](cut *C, err **diag.Error) {
	if x := recover(); x != nil {
		b, ok := x.(bailout)
		if !ok {
			panic(x)
		}
		var none C
		*cut, *err = none, b.err
	}
}

// reservePrefix rejects any name in p's tokens starting with prefix: in a
// query with the clause, such names stand for what.
func (p *stmtParser) reservePrefix(prefix, clause, what string) {
	for _, t := range p.toks {
		if (t.kind == tokIdent || t.kind == tokQuotedIdent) && len(t.val) >= len(prefix) && strings.EqualFold(t.val[:len(prefix)], prefix) {
			p.failHint(t.start, diag.Semantic, "rename it: in a query with "+clause+", names starting with "+prefix+
				" stand for "+what, "the name '%s' is reserved", t.val)
		}
	}
}

// placeholderTables collects the placeholder tables (names starting with
// prefix) in TiDB's AST.
type placeholderTables struct {
	prefix string
	found  map[string]*ast.TableSource
}

func (m placeholderTables) Enter(n ast.Node) (ast.Node, bool) {
	if ts, ok := n.(*ast.TableSource); ok {
		if tn, ok := ts.Source.(*ast.TableName); ok && tn.Schema.L == "" && strings.HasPrefix(tn.Name.L, m.prefix) {
			m.found[tn.Name.L] = ts
		}
	}
	return n, false
}

func (m placeholderTables) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// placeholderAliases returns the alias TiDB found for each of the
// placeholder tables names in q. missing is the index of the first name
// that is not a table in FROM or JOIN (a placeholder after, say, a column
// in a select list), -1 when all are.
func placeholderAliases(q *Query, prefix string, names []string) (aliases []string, missing int) {
	m := placeholderTables{prefix: prefix, found: map[string]*ast.TableSource{}}
	q.Stmt.Accept(m)
	aliases = make([]string, len(names))
	for i, name := range names {
		ts, ok := m.found[name]
		if !ok {
			return nil, i
		}
		aliases[i] = ts.AsName.O
	}
	return aliases, -1
}

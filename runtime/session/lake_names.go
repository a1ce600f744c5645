package session

import (
	"context"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/chatsql/chatsql/planner"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
)

// Names of Iceberg tables in the session: the names the planner suggests
// when a query names a catalog or table that does not exist ("did you mean
// 'lake.chat.t3'?"), and which REPL queries over catalog.namespace.table
// are streaming SQL rather than DuckDB's.

var _ planner.LakeNames = lakeView{}

// Catalogs lists the catalogs as the statements prepared so far define
// them.
func (v lakeView) Catalogs() []string { return v.st.lake.Names() }

// Tables lists the tables of cat's top-level namespaces as
// namespace.table; none when the catalog is not open yet.
func (v lakeView) Tables(cat string) ([]string, error) {
	if !v.s.lake.Has(cat) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(v.s.ctx, 10*time.Second)
	defer cancel()
	c, err := v.s.lake.Get(ctx, cat)
	if err != nil {
		return nil, err
	}
	namespaces, err := c.ListNamespaces(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ns := range namespaces {
		for id, err := range c.ListTables(ctx, ns) {
			if err != nil {
				return nil, err
			}
			out = append(out, strings.Join(id, "."))
		}
	}
	return out, nil
}

// streamingOnly reports whether the REPL query text, which names an
// Iceberg table by catalog.namespace.table, is streaming SQL all the same:
// it also names a source, table or view of the session, or joins FOR
// SYSTEM_TIME AS OF a stream's time, or matches a pattern. A text the
// streaming parser cannot read (DuckDB's own SQL) is not.
func (s *Session) streamingOnly(text string) bool {
	st, err := parser.ParseStatement(diag.NewSource("repl", text))
	if err != nil {
		return false
	}
	qs, ok := st.(*parser.QueryStmt)
	if !ok {
		return false
	}
	if len(qs.Query.Temporal) > 0 || len(qs.Query.MatchRecognize) > 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := &sessionObjects{catalog: s.catalog}
	qs.Query.Stmt.Accept(v)
	return v.found
}

// sessionObjects looks for an unqualified table name that is an object of
// the catalog.
type sessionObjects struct {
	catalog *planner.Catalog
	found   bool
}

func (v *sessionObjects) Enter(n ast.Node) (ast.Node, bool) {
	if tn, ok := n.(*ast.TableName); ok && tn.Schema.O == "" {
		if _, ok := v.catalog.Lookup(tn.Name.O); ok {
			v.found = true
		}
	}
	return n, v.found
}

func (v *sessionObjects) Leave(n ast.Node) (ast.Node, bool) { return n, true }

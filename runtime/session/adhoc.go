package session

import (
	"context"
	"strings"

	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/adhoc"
)

// A plain SELECT typed in the REPL whose FROM names an Iceberg table as
// catalog.namespace.table is an ad-hoc batch query: it runs in DuckDB over
// the table's snapshot (runtime/adhoc), not in the streaming engine, and its
// rows come back as a table. Everything else goes the usual way, including
// a SELECT that also reads a source, table or view of the session
// (streamingOnly, lake_names.go). The
// catalogs are the session's own (the embedded 'lake' and CREATE CATALOG's).

// execAdhoc runs text in DuckDB when it is one SELECT over an Iceberg
// table; ok says whether it did.
func (s *Session) execAdhoc(ctx context.Context, name, text string) (r Result, ok bool, err error) {
	stmts := parser.SplitStatements(text)
	if len(stmts) != 1 {
		return Result{}, false, nil
	}
	q := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmts[0]), ";"))
	if !adhoc.ReadsIceberg(q, s.lake.Names()) || s.streamingOnly(q) {
		return Result{}, false, nil
	}
	rows, err := adhoc.Query(ctx, s.lake, q, adhoc.Options{Name: name})
	if err != nil {
		return Result{}, true, err
	}
	defer rows.Close()
	cols, cells, err := adhoc.Collect(rows)
	if err != nil {
		return Result{}, true, err
	}
	return Result{Kind: ResultTable, Columns: cols, Rows: cells}, true, nil
}

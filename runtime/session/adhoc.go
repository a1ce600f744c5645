package session

import (
	"context"
	"strings"
	"sync"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/adhoc"
)

// A plain SELECT typed in the REPL whose FROM names an Iceberg table as
// catalog.namespace.table is an ad-hoc batch query: it runs in DuckDB over
// the table's snapshot (runtime/adhoc), not in the streaming engine, and its
// rows come back as a table. Everything else goes the usual way.

// adhocCatalogs holds the Iceberg catalogs of each session that ran an
// ad-hoc query: the embedded catalog of its data directory.
var adhocCatalogs sync.Map // *Session -> *iceberg.Catalogs

// icebergCatalogs returns the session's Iceberg catalogs for ad-hoc queries.
func (s *Session) icebergCatalogs() *iceberg.Catalogs {
	if c, ok := adhocCatalogs.Load(s); ok {
		return c.(*iceberg.Catalogs)
	}
	c, _ := adhocCatalogs.LoadOrStore(s, iceberg.NewCatalogs(s.cfg.DataDir))
	return c.(*iceberg.Catalogs)
}

// execAdhoc runs text in DuckDB when it is one SELECT over an Iceberg
// table; ok says whether it did.
func (s *Session) execAdhoc(ctx context.Context, name, text string) (r Result, ok bool, err error) {
	stmts := parser.SplitStatements(text)
	if len(stmts) != 1 {
		return Result{}, false, nil
	}
	q := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmts[0]), ";"))
	if !adhoc.ReadsIceberg(q, s.icebergCatalogs().Names()) {
		return Result{}, false, nil
	}
	rows, err := adhoc.Query(ctx, s.icebergCatalogs(), q, adhoc.Options{Name: name})
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

// closeAdhoc closes the catalogs ad-hoc queries opened for s.
func (s *Session) closeAdhoc() {
	if c, ok := adhocCatalogs.LoadAndDelete(s); ok {
		c.(*iceberg.Catalogs).Close()
	}
}

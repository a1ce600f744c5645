// Package adhoc runs ad-hoc batch queries over Iceberg history in DuckDB
// (`chatsql query "SQL"`, and a SELECT on an Iceberg table in the REPL).
//
// The query is DuckDB SQL that names Iceberg tables as
// catalog.namespace.table, or namespace.table in the embedded catalog
// "lake", optionally followed by FOR SYSTEM_TIME AS OF TIMESTAMP '...' (the
// snapshot current at that time) or FOR VERSION AS OF <snapshot id>. Each
// referenced table is planned with iceberg-go (the snapshot's data files and
// the delete files that apply to them) and becomes a DuckDB view of the same
// name over read_parquet of those files: columns are mapped by Iceberg field
// id (so files written before a column was added read NULL for it),
// positional deletes are an anti-join on (file, row position), equality
// deletes an anti-join on the equality columns. A time-travel reference is
// rewritten to a view of that snapshot, padded with blanks so that positions
// in DuckDB's messages still match the user's text. The rest of the query
// is DuckDB's: its functions, joins and aggregates.
package adhoc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/iceberg-go/catalog"
	bindings "github.com/duckdb/duckdb-go-bindings"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/chatsql/chatsql/planner/diag"
)

// Catalogs is what ad-hoc queries need of a session's Iceberg catalogs
// (connectors/iceberg.Catalogs): their names and the catalogs themselves.
type Catalogs interface {
	Names() []string
	Get(ctx context.Context, name string) (catalog.Catalog, error)
}

// Options tune one query.
type Options struct {
	// Name names the query text in positioned errors ("<query>").
	Name string
	// Progress, when set, receives a one-line progress indication (files and
	// bytes planned, DuckDB's percentage, elapsed time) redrawn every second
	// while a query runs longer than a second; the caller passes a terminal.
	Progress io.Writer
	// Threads limits DuckDB's threads (0: DuckDB's default, one per core).
	Threads int
}

// Table is one Iceberg table at one snapshot that a query read.
type Table struct {
	Name       string // catalog.namespace.table
	SnapshotID int64  // 0: the table has no snapshot
	Files      int    // data and delete files
	Bytes      int64
}

// Rows is a running query's result; read it with Next and Values, then
// Close it.
type Rows struct {
	Columns []string
	Types   []string // DuckDB type names (VARCHAR, BIGINT, TIMESTAMP WITH TIME ZONE, ...)
	Tables  []Table  // the Iceberg tables read

	db      *sql.DB
	conn    *sql.Conn
	rows    *sql.Rows
	vals    []any
	ptrs    []any
	stop    func()
	cleanup func() // removes the query's temporary copies of remote files, if any
	err     error
	closed  bool
}

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.closed || r.err != nil {
		return false
	}
	if !r.rows.Next() {
		r.err = classify(r.rows.Err())
		r.stop()
		return false
	}
	for i := range r.vals {
		r.vals[i] = nil
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = err
		return false
	}
	return true
}

// Values is the current row (valid until the next call to Next).
func (r *Rows) Values() []any { return r.vals }

// Err is the error that ended the rows, if any.
func (r *Rows) Err() error { return r.err }

// Close releases the query and its DuckDB database.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.stop()
	var errs []error
	if r.rows != nil {
		errs = append(errs, r.rows.Close())
	}
	errs = append(errs, r.conn.Close(), r.db.Close())
	r.cleanup()
	return errors.Join(errs...)
}

// Query plans the Iceberg tables a query names and starts it in a fresh
// in-memory DuckDB database. A bad query (syntax, unknown table or column)
// is a diag error (diag.IsSQLError); anything else is a runtime failure.
func Query(ctx context.Context, cats Catalogs, text string, opt Options) (*Rows, error) {
	if opt.Name == "" {
		opt.Name = "<query>"
	}
	src := diag.NewSource(opt.Name, text)
	if strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), ";")) == "" {
		return nil, diag.Errorf(src, 0, diag.Syntax, "empty query")
	}
	toks := tokenize(text)
	if bq := doubleQuoted(text, toks); bq != text {
		text = bq // the errors below still quote the user's text (src)
		toks = tokenize(text)
	}
	refs := findTableRefs(toks)
	res := &resolver{ctx: ctx, cats: cats, src: src, names: cats.Names(), tables: map[string][]string{}, scans: map[string]*scan{}}
	var errs diag.List
	var rewritten strings.Builder
	last := 0
	for _, ref := range refs {
		s, err := res.resolve(ref)
		if err != nil {
			var de *diag.Error
			if errors.As(err, &de) {
				errs = append(errs, de)
				continue
			}
			return nil, err
		}
		if s == nil || !ref.hasClause {
			continue
		}
		// a time-travel reference reads the snapshot's view; the text keeps
		// its length so DuckDB's positions match the user's
		repl := quoteIdent(s.Catalog) + "." + quoteIdent(s.duckSch) + "." + quoteIdent(s.Table)
		orig := text[ref.start:ref.end]
		rewritten.WriteString(text[last:ref.start])
		rewritten.WriteString(repl)
		for _, c := range orig[min(len(repl), len(orig)):] {
			if c == '\n' {
				rewritten.WriteByte('\n')
			} else {
				rewritten.WriteByte(' ')
			}
		}
		last = ref.end
	}
	if len(errs) > 0 {
		return nil, errs
	}
	rewritten.WriteString(text[last:])

	// files in object storage are read from local copies
	cleanup, err := fetchScans(ctx, cats, res.scans, opt.Progress)
	if err != nil {
		return nil, err
	}

	// the views, one per table and snapshot
	var setup []string
	var tables []Table
	var totalFiles int
	var totalBytes int64
	catalogs := map[string]bool{defaultCatalog: res.isCatalog(defaultCatalog)}
	schemas := map[string]bool{}
	keys := make([]string, 0, len(res.scans))
	for k := range res.scans {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var views []string
	for _, k := range keys {
		s := res.scans[k]
		body, err := viewSQL(s)
		if err != nil {
			cleanup()
			return nil, err
		}
		catalogs[s.Catalog] = true
		sch := quoteIdent(s.Catalog) + "." + quoteIdent(s.duckSch)
		if !schemas[sch] {
			schemas[sch] = true
			views = append(views, "CREATE SCHEMA "+sch)
		}
		views = append(views, "CREATE VIEW "+sch+"."+quoteIdent(s.Table)+" AS "+body)
		files, bytes := s.size()
		t := Table{Name: s.Name(), Files: files, Bytes: bytes}
		if s.Snapshot != nil {
			t.SnapshotID = s.Snapshot.SnapshotID
		}
		tables = append(tables, t)
		totalFiles += files
		totalBytes += bytes
	}
	var cnames []string
	for c, ok := range catalogs {
		if ok {
			cnames = append(cnames, c)
		}
	}
	sort.Strings(cnames)
	for _, c := range cnames {
		setup = append(setup, "ATTACH ':memory:' AS "+quoteIdent(c))
	}
	if catalogs[defaultCatalog] {
		setup = append(setup, "USE "+quoteIdent(defaultCatalog))
	}
	setup = append(setup, views...)

	db, err := sql.Open("duckdb", "")
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		cleanup()
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	fail := func(err error) (*Rows, error) {
		conn.Close()
		db.Close()
		cleanup()
		return nil, err
	}
	pre := []string{"SET TimeZone = 'UTC'"}
	if opt.Threads > 0 {
		pre = append(pre, fmt.Sprintf("SET threads = %d", opt.Threads))
	}
	for _, q := range pre {
		if _, err := conn.ExecContext(ctx, q); err != nil && !strings.Contains(q, "TimeZone") {
			return fail(fmt.Errorf("DuckDB: %s: %w", q, err))
		}
	}
	for _, q := range setup {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fail(fmt.Errorf("preparing the Iceberg views in DuckDB: %w", err))
		}
	}

	r := &Rows{Tables: tables, db: db, conn: conn, stop: func() {}, cleanup: cleanup}
	if opt.Progress != nil {
		r.stop = startProgress(conn, opt.Progress, totalFiles, totalBytes)
	}
	rows, err := conn.QueryContext(ctx, rewritten.String())
	if err != nil {
		r.stop()
		return fail(classify(err))
	}
	r.rows = rows
	cols, err := rows.ColumnTypes()
	if err != nil {
		r.Close()
		return nil, err
	}
	for _, c := range cols {
		r.Columns = append(r.Columns, c.Name())
		r.Types = append(r.Types, c.DatabaseTypeName())
	}
	r.vals = make([]any, len(cols))
	r.ptrs = make([]any, len(cols))
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r, nil
}

// classify turns DuckDB's errors about the query itself (syntax, unknown
// names, types) into SQL errors; others stay runtime failures.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return err
	}
	kind := diag.Kind(0)
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		kind = diag.Syntax
	case duckdb.ErrorTypeBinder, duckdb.ErrorTypeCatalog:
		kind = diag.UnknownName
	case duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeInvalidType, duckdb.ErrorTypeNotImplemented,
		duckdb.ErrorTypeParameterNotResolved, duckdb.ErrorTypeParameterNotAllowed:
		kind = diag.Type
	}
	if kind == 0 {
		return err
	}
	return &diag.Error{Kind: kind, Msg: strings.TrimRight(de.Msg, "\n")}
}

// startProgress redraws a progress line on w every second once the query
// has run for a second; the returned func stops it and clears the line.
func startProgress(conn *sql.Conn, w io.Writer, files int, bytes int64) func() {
	bc, ok := bindingConn(conn)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-tick.C:
				line := fmt.Sprintf("scanning %d files, %s", files, humanBytes(bytes))
				if ok {
					p := bindings.QueryProgress(bc)
					pct, _, _ := bindings.QueryProgressTypeMembers(&p)
					if pct >= 0 {
						line += fmt.Sprintf(" · %.0f%%", pct)
					}
				}
				line += fmt.Sprintf(" · %s", time.Since(start).Truncate(time.Second))
				fmt.Fprint(w, "\r\033[K"+line)
				drawn = true
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// bindingConn digs the C connection out of duckdb-go's driver connection,
// for duckdb_query_progress (which duckdb-go does not expose). It fails
// softly: without it the progress line has no percentage.
func bindingConn(conn *sql.Conn) (c bindings.Connection, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = conn.Raw(func(dc any) error {
		dconn, isDuck := dc.(*duckdb.Conn)
		if !isDuck {
			return nil
		}
		f := reflect.ValueOf(dconn).Elem().FieldByName("conn")
		if !f.IsValid() || f.Type() != reflect.TypeOf(bindings.Connection{}) {
			return nil
		}
		c = *(*bindings.Connection)(unsafe.Pointer(f.UnsafeAddr()))
		ok = c.Ptr != nil
		return nil
	})
	return c, ok
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

package iceberg

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/conformance"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/reftable"
	"github.com/chatsql/chatsql/runtime/types"
)

// lakeWriter commits rows of testRow to lake.chat.messages, one snapshot
// per commit call.
type lakeWriter struct {
	t  *testing.T
	s  *Sink
	cp int64
}

func newLakeWriter(t *testing.T, dir string) *lakeWriter {
	s := newTestSink(t, dir, nil)
	openSink(t, s, "writer", nil)
	t.Cleanup(func() { s.Close() })
	return &lakeWriter{t: t, s: s}
}

// commit writes rows [from, to) as one snapshot and returns it.
func (w *lakeWriter) commit(from, to int) table.Snapshot {
	w.t.Helper()
	writeRows(w.t, w.s, from, to)
	w.cp++
	checkpoint(w.t, w.s, w.cp)
	if err := w.s.CheckpointComplete(context.Background(), w.cp); err != nil {
		w.t.Fatal(err)
	}
	time.Sleep(3 * time.Millisecond) // distinct commit times
	return *w.s.tbl.CurrentSnapshot()
}

func newTestSource(t *testing.T, dir string, schema types.Schema, opts map[string]string, mod func(*connectors.Config)) *Source {
	t.Helper()
	raw := map[string]string{"connector": "iceberg", "table": "chat.messages"}
	for k, v := range opts {
		raw[k] = v
	}
	o, errs := Spec.Validate(raw, true)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	cfg := connectors.Config{Name: "src", Options: o, Schema: schema, Settings: CatalogSettings(EmbeddedProperties(dir))}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*Source)
}

func openSource(t *testing.T, s *Source, state []byte, caughtUp *atomic.Int32) {
	t.Helper()
	sc := &runtime.SourceContext{OpContext: runtime.OpContext{Logf: t.Logf}}
	if caughtUp != nil {
		sc.CaughtUp = func() { caughtUp.Add(1) }
	}
	if err := s.Open(context.Background(), sc, state); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
}

// drain polls a bounded source to its end.
func drain(t *testing.T, s *Source) []types.Row {
	t.Helper()
	var out []types.Row
	for i := 0; ; i++ {
		b, err := s.Poll(context.Background())
		if errors.Is(err, runtime.ErrEndOfInput) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			out = append(out, b.Rows...)
		}
		if i > 100000 {
			t.Fatal("the source does not end")
		}
	}
}

// pollUntil polls a streaming source until it returned n rows in all.
func pollUntil(t *testing.T, s *Source, rows []types.Row, n int) []types.Row {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(rows) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows after 10 s, want %d", len(rows), n)
		}
		b, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			rows = append(rows, b.Rows...)
		}
	}
	return rows
}

func sortedIDs(rows []types.Row) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r[0].Int()
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func wantRange(t *testing.T, rows []types.Row, from, to int) {
	t.Helper()
	ids := sortedIDs(rows)
	if len(ids) != to-from {
		t.Fatalf("%d rows, want %d (ids %v...)", len(ids), to-from, ids[:min(len(ids), 10)])
	}
	for i, id := range ids {
		if id != int64(from+i) {
			t.Fatalf("row %d has id %d, want %d (duplicate or missing)", i, id, from+i)
		}
	}
}

func TestSourceBoundedScanReadsEveryTypeAndProjects(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 100)
	w.commit(100, 250)

	// every column, with its type
	s := newTestSource(t, dir, testSchema, nil, nil)
	if !s.Bounded() {
		t.Fatal("a scan without 'streaming' is bounded")
	}
	openSource(t, s, nil, nil)
	rows := drain(t, s)
	wantRange(t, rows, 0, 250)
	for _, r := range rows {
		want := testRow(int(r[0].Int()))
		for c := range want {
			if want[c].Kind() != r[c].Kind() || !types.Equal(want[c], r[c]) && !(want[c].IsNull() && r[c].IsNull()) {
				t.Fatalf("row %d column %s: %v (%v), want %v (%v)", r[0].Int(), testSchema.Columns[c].Name, r[c], r[c].Kind(), want[c], want[c].Kind())
			}
		}
	}

	// a projection: two columns in another order, names in another case,
	// an INT column read as BIGINT
	proj := types.NewSchema(types.Column{Name: "ID", Type: types.BigInt}, types.Column{Name: "N", Type: types.BigInt},
		types.Column{Name: "Username", Type: types.String})
	s2 := newTestSource(t, dir, proj, nil, nil)
	openSource(t, s2, nil, nil)
	rows = drain(t, s2)
	wantRange(t, rows, 0, 250)
	for _, r := range rows {
		if len(r) != 3 || r[1].Kind() != types.KindBigInt || r[1].Int() != r[0].Int()%5 {
			t.Fatalf("projected row %v", r)
		}
	}

	// an unknown column is an error naming the table's columns
	bad := newTestSource(t, dir, types.NewSchema(types.Column{Name: "usernam", Type: types.String}), nil, nil)
	err := bad.Open(context.Background(), &runtime.SourceContext{}, nil)
	if err == nil || !strings.Contains(err.Error(), "did you mean 'username'") {
		t.Fatalf("unknown column: %v", err)
	}
}

func TestSourceFilterPushedIntoScan(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 100)
	w.commit(100, 250)
	f := iceberggo.NewAnd(iceberggo.GreaterThanEqual(iceberggo.Reference("id"), int64(90)),
		iceberggo.LessThan(iceberggo.Reference("id"), int64(120)))
	settings, err := ScanFilterSettings("src", f)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestSource(t, dir, testSchema, nil, func(c *connectors.Config) {
		for k, v := range settings {
			c.Settings[k] = v
		}
	})
	openSource(t, s, nil, nil)
	wantRange(t, drain(t, s), 90, 120)

	// files whose statistics exclude the filter are not read at all
	f2 := iceberggo.GreaterThanEqual(iceberggo.Reference("id"), int64(100))
	settings, _ = ScanFilterSettings("src", f2)
	s2 := newTestSource(t, dir, testSchema, nil, func(c *connectors.Config) {
		for k, v := range settings {
			c.Settings[k] = v
		}
	})
	openSource(t, s2, nil, nil)
	rows := drain(t, s2)
	wantRange(t, rows, 100, 250)
	if n := len(s2.unit.tasks); n != 1 {
		t.Fatalf("%d files planned, want 1 (the second commit's)", n)
	}
}

func TestSourceTimeTravel(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	s1 := w.commit(0, 100)
	s2 := w.commit(100, 250)
	w.commit(250, 300)

	for _, tc := range []struct {
		opts map[string]string
		n    int
	}{
		{map[string]string{"snapshot-id": fmt.Sprint(s1.SnapshotID)}, 100},
		{map[string]string{"snapshot-id": fmt.Sprint(s2.SnapshotID)}, 250},
		{map[string]string{"as-of-timestamp": fmt.Sprint(s1.TimestampMs)}, 100},
		{map[string]string{"as-of-timestamp": fmt.Sprint(s2.TimestampMs - 1)}, 100},
		{map[string]string{"as-of-timestamp": time.UnixMilli(s2.TimestampMs).UTC().Format("2006-01-02 15:04:05.000")}, 250},
		{nil, 300},
		// incremental, bounded: the appends from a snapshot on
		{map[string]string{"start-snapshot-id": fmt.Sprint(s2.SnapshotID)}, 200},
		{map[string]string{"start-snapshot-id": fmt.Sprint(s1.SnapshotID), "end-snapshot-id": fmt.Sprint(s2.SnapshotID)}, 250},
		{map[string]string{"start-snapshot-timestamp": fmt.Sprint(s1.TimestampMs + 1)}, 200},
	} {
		s := newTestSource(t, dir, testSchema, tc.opts, nil)
		openSource(t, s, nil, nil)
		rows := drain(t, s)
		if len(rows) != tc.n {
			t.Errorf("%v: %d rows, want %d", tc.opts, len(rows), tc.n)
		}
	}

	s := newTestSource(t, dir, testSchema, map[string]string{"snapshot-id": "42"}, nil)
	if err := s.Open(context.Background(), &runtime.SourceContext{}, nil); err == nil || !strings.Contains(err.Error(), "no snapshot 42") {
		t.Fatalf("unknown snapshot: %v", err)
	}
	s = newTestSource(t, dir, testSchema, map[string]string{"as-of-timestamp": "2001-01-01 00:00:00"}, nil)
	if err := s.Open(context.Background(), &runtime.SourceContext{}, nil); err == nil || !strings.Contains(err.Error(), "no snapshot was current") {
		t.Fatalf("before the first snapshot: %v", err)
	}
	o, _ := Spec.Validate(map[string]string{"connector": "iceberg", "table": "chat.messages", "streaming": "true", "snapshot-id": "1"}, true)
	if _, err := NewSource(connectors.Config{Name: "x", Options: o}); err == nil {
		t.Fatal("streaming with snapshot-id accepted")
	}
}

func TestSourceStreamingReadsNewSnapshots(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 100)
	s := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "20ms"}, nil)
	if s.Bounded() {
		t.Fatal("streaming source says it is bounded")
	}
	var caught atomic.Int32
	openSource(t, s, nil, &caught)
	rows := pollUntil(t, s, nil, 100)
	w.commit(100, 130)
	w.commit(130, 200)
	rows = pollUntil(t, s, rows, 200)
	if caught.Load() != 1 {
		t.Fatalf("CaughtUp called %d times", caught.Load())
	}
	// compaction adds a 'replace' snapshot: no rows again
	tbl := w.s.tbl
	if _, err := RewriteDataFiles(context.Background(), tbl, CompactOptions{MinInputFiles: 2}); err != nil {
		t.Fatal(err)
	}
	w.s.tbl.Refresh(context.Background())
	w.commit(200, 210)
	rows = pollUntil(t, s, rows, 210)
	time.Sleep(60 * time.Millisecond)
	for i := 0; i < 5; i++ {
		b, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			rows = append(rows, b.Rows...)
		}
	}
	wantRange(t, rows, 0, 210)
}

func TestSourceStreamingFromEmptyTableAndStartSnapshot(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir) // creates the table without a snapshot
	s := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "20ms"}, nil)
	var caught atomic.Int32
	openSource(t, s, nil, &caught)
	if b, err := s.Poll(context.Background()); err != nil || b != nil {
		t.Fatalf("empty table: %v %v", b, err)
	}
	if caught.Load() != 1 {
		t.Fatal("an empty table is caught up at once")
	}
	w.commit(0, 10)
	w.commit(10, 20)
	rows := pollUntil(t, s, nil, 20)
	wantRange(t, rows, 0, 20)

	// start-snapshot-timestamp in the future: only what comes after
	s2 := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "20ms",
		"start-snapshot-timestamp": fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())}, nil)
	openSource(t, s2, nil, nil)
	w.commit(20, 25)
	rows = pollUntil(t, s2, nil, 5)
	wantRange(t, rows, 20, 25)
}

func TestSourceResumesFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 100)
	w.commit(100, 250)
	opts := map[string]string{"streaming": "true", "monitor-interval": "20ms"}
	ctx := context.Background()

	// positions mid-file, at file ends and between snapshots
	for _, stopAfter := range []int{1, 3, 5, 8, 12} {
		s := newTestSource(t, dir, testSchema, opts, nil)
		s.batch = 37
		openSource(t, s, nil, nil)
		var first []types.Row
		for i := 0; i < stopAfter; i++ {
			b, err := s.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				first = append(first, b.Rows...)
			}
		}
		state, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Poll(ctx) // read past the checkpoint: replayed after the restart
		s.Close()

		r := newTestSource(t, dir, testSchema, opts, nil)
		r.batch = 37
		openSource(t, r, state, nil)
		if stopAfter == 8 {
			w.commit(250, 300) // a snapshot committed while the job was down
		}
		want := 250
		if stopAfter >= 8 {
			want = 300
		}
		rows := pollUntil(t, r, first, want)
		wantRange(t, rows, 0, want)
		t.Logf("stop after %d polls: state %s", stopAfter, state)
	}
}

func TestSourceChangelog(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	s1 := w.commit(0, 10)
	s2 := w.commit(10, 15)
	proj := types.NewSchema(types.Column{Name: "id", Type: types.BigInt}, types.Column{Name: "username", Type: types.String})
	for _, streaming := range []string{"false", "true"} {
		s := newTestSource(t, dir, proj, map[string]string{"streaming": streaming, "monitor-interval": "20ms"}, func(c *connectors.Config) {
			c.Changelog, c.PrimaryKey = true, []string{"id"}
		})
		var caught atomic.Int32
		openSource(t, s, nil, &caught)
		var rows []types.Row
		if streaming == "false" {
			rows = drain(t, s)
		} else {
			rows = pollUntil(t, s, nil, 15)
			s.Poll(context.Background())
		}
		if caught.Load() != 1 {
			t.Fatalf("streaming=%s: CaughtUp called %d times", streaming, caught.Load())
		}
		if len(rows) != 15 {
			t.Fatalf("%d rows", len(rows))
		}
		// rows in commit order; each an upsert at its snapshot's commit time
		for i, r := range rows {
			if len(r) != 4 || r[2].Int() != 0 || r[3].Kind() != types.KindTimestampLTZ {
				t.Fatalf("changelog row %v", r)
			}
			want := s1.TimestampMs
			if r[0].Int() >= 10 {
				want = s2.TimestampMs
			}
			if r[3].Micros() != want*1000 {
				t.Fatalf("row %d (id %d): time %v, want %v", i, r[0].Int(), r[3], time.UnixMilli(want))
			}
			if i > 0 && rows[i-1][3].Micros() > r[3].Micros() {
				t.Fatal("versions out of commit order")
			}
		}
		if streaming == "true" {
			s3 := w.commit(15, 17)
			rows = pollUntil(t, s, nil, 2)
			if rows[0][3].Micros() != s3.TimestampMs*1000 {
				t.Fatalf("new snapshot's rows: %v", rows)
			}
		}
	}
}

func batchOf(rows []types.Row) *runtime.Batch { return &runtime.Batch{Rows: rows} }

func TestSourceConformance(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 100)
	w.commit(100, 250)
	w.commit(250, 260)
	for _, streaming := range []string{"false", "true"} {
		t.Run("streaming="+streaming, func(t *testing.T) {
			rows := 0
			if streaming == "true" {
				rows = 260
			}
			conformance.RunSource(t, conformance.Source{
				New: func(t *testing.T) runtime.Source {
					s := newTestSource(t, dir, testSchema, map[string]string{"streaming": streaming, "monitor-interval": "20ms"}, nil)
					s.batch = 45
					return s
				},
				Rows:          rows,
				Deterministic: true,
			})
		})
	}
}

// TestSourceStreamingWaitsForMissingTable: a streaming reader of a table
// that does not exist yet (another job's sink creates it) is an empty,
// caught-up table until the table appears, then reads it from its first
// snapshot; a bounded reader of a missing table is an error.
func TestSourceStreamingWaitsForMissingTable(t *testing.T) {
	dir := t.TempDir()
	b := newTestSource(t, dir, testSchema, nil, nil)
	if err := b.Open(context.Background(), &runtime.SourceContext{OpContext: runtime.OpContext{Logf: t.Logf}}, nil); err == nil {
		t.Fatal("a bounded scan of a missing table opened")
	}
	s := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "20ms"}, nil)
	var caught atomic.Int32
	openSource(t, s, nil, &caught)
	if b, err := s.Poll(context.Background()); err != nil || b != nil {
		t.Fatalf("missing table: %v %v", b, err)
	}
	if caught.Load() != 1 {
		t.Fatal("a missing table is an empty table: caught up at once")
	}
	state, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w := newLakeWriter(t, dir) // creates the table
	w.commit(0, 10)
	wantRange(t, pollUntil(t, s, nil, 10), 0, 10)
	// restored from a checkpoint taken while the table was missing
	r := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "20ms"}, nil)
	openSource(t, r, state, nil)
	wantRange(t, pollUntil(t, r, nil, 10), 0, 10)
}

// commitRows writes rows as one snapshot and returns it.
func (w *lakeWriter) commitRows(rows ...types.Row) table.Snapshot {
	w.t.Helper()
	if err := w.s.Write(context.Background(), batchOf(rows)); err != nil {
		w.t.Fatal(err)
	}
	w.cp++
	checkpoint(w.t, w.s, w.cp)
	if err := w.s.CheckpointComplete(context.Background(), w.cp); err != nil {
		w.t.Fatal(err)
	}
	time.Sleep(3 * time.Millisecond)
	return *w.s.tbl.CurrentSnapshot()
}

// named is testRow(i) with another username.
func named(i int, name string) types.Row {
	r := testRow(i)
	r[1] = types.NewString(name)
	return r
}

// lakeTable loads lake.chat.messages afresh.
func lakeTable(t *testing.T, dir string) *table.Table {
	t.Helper()
	c := NewCatalogs(dir)
	t.Cleanup(func() { c.Close() })
	tbl, err := c.LoadTable(context.Background(), "lake.chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// lakeCommit runs change on a transaction of the table and commits it.
func lakeCommit(t *testing.T, dir string, change func(tx *table.Transaction) error) table.Snapshot {
	t.Helper()
	tx := lakeTable(t, dir).NewTransaction()
	if err := change(tx); err != nil {
		t.Fatal(err)
	}
	tbl, err := tx.Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Millisecond)
	return *tbl.CurrentSnapshot()
}

// liveRows is what snapshot id holds: the usernames of each id.
func liveRows(t *testing.T, dir string, id int64) map[int64][]string {
	t.Helper()
	at, err := lakeTable(t, dir).Scan(table.WithSnapshotID(id), table.WithSelectedFields("id", "username")).ToArrowTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer at.Release()
	out := map[int64][]string{}
	tr := array.NewTableReader(at, 1024)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		ids := rec.Column(rec.Schema().FieldIndices("id")[0]).(*array.Int64)
		names := rec.Column(rec.Schema().FieldIndices("username")[0])
		for i := 0; i < ids.Len(); i++ {
			n := "NULL"
			if !names.IsNull(i) {
				n = names.ValueStr(i)
			}
			out[ids.Value(i)] = append(out[ids.Value(i)], n)
		}
	}
	return out
}

// checkChangelog applies a changelog of (id, username) to a versioned
// table, as a temporal join does, and checks that as of each snapshot's
// commit (and just before the next) it holds what the snapshot holds:
// the same ids, and the username of ids with one row. It returns the
// table for further checks.
func checkChangelog(t *testing.T, dir string, rows []types.Row, snaps []table.Snapshot) *reftable.Table {
	t.Helper()
	rt := reftable.New(reftable.Options{Columns: 2, Key: []int{0}, VersionCol: -1, History: true})
	for _, r := range rows {
		if len(r) != 4 || r[3].IsNull() {
			t.Fatalf("changelog row %v", r)
		}
		rt.Apply(reftable.Op(r[2].Int()), r[:2], r[3].Micros())
	}
	for i, sn := range snaps {
		want := liveRows(t, dir, sn.SnapshotID)
		ats := []int64{sn.TimestampMs * 1000}
		if i+1 < len(snaps) {
			ats = append(ats, snaps[i+1].TimestampMs*1000-1)
		}
		for _, at := range ats {
			got := map[int64]string{}
			rt.Scan(at, func(r types.Row) bool {
				got[r[0].Int()] = r[1].String()
				return true
			})
			for id, names := range want {
				g, ok := got[id]
				if !ok {
					t.Errorf("snapshot %d (%s): id %d (%v) missing from the changelog's table", i+1, sn.Summary.Operation, id, names)
				} else if len(names) == 1 && g != names[0] {
					t.Errorf("snapshot %d (%s): id %d is %q, want %q", i+1, sn.Summary.Operation, id, g, names[0])
				}
			}
			for id := range got {
				if _, ok := want[id]; !ok {
					t.Errorf("snapshot %d (%s): id %d (%s) is in the changelog's table, not in the snapshot", i+1, sn.Summary.Operation, id, got[id])
				}
			}
		}
	}
	return rt
}

// changeHistory writes a table's history with every way Iceberg removes
// rows, and returns its snapshots: appends, a copy-on-write delete, a
// positional (merge-on-read) delete, an equality delete, an overwrite, a
// compaction, and deletes of a key's older and newer rows.
func changeHistory(t *testing.T, dir string, w *lakeWriter, snaps []table.Snapshot) []table.Snapshot {
	t.Helper()
	ctx := context.Background()
	id := iceberggo.Reference("id")
	name := iceberggo.Reference("username")
	// copy-on-write: the first file is rewritten without ids 0-2
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error {
		return tx.Delete(ctx, iceberggo.LessThan(id, int64(3)), nil)
	}))
	// merge-on-read: a positional delete file
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error {
		if err := tx.SetProperties(iceberggo.Properties{table.WriteDeleteModeKey: table.WriteModeMergeOnRead}); err != nil {
			return err
		}
		return tx.Delete(ctx, iceberggo.EqualTo(id, int64(12)), nil)
	}))
	// an equality delete file on id
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		defer b.Release()
		b.Append(13)
		col := b.NewArray()
		defer col.Release()
		sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true,
			Metadata: arrow.NewMetadata([]string{"PARQUET:field_id"}, []string{"1"})}}, nil)
		rec := array.NewRecordBatch(sc, []arrow.Array{col}, 1)
		defer rec.Release()
		return tx.CommitEqualityDeletes(ctx, []int{1}, func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) }, nil)
	}))
	// an overwrite: id 14 replaced by a second copy of id 5
	five, err := lakeTable(t, dir).Scan(table.WithRowFilter(iceberggo.EqualTo(id, int64(5)))).ToArrowTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer five.Release()
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error {
		return tx.OverwriteTable(ctx, five, 100, nil, table.WithOverwriteFilter(iceberggo.EqualTo(id, int64(14))))
	}))
	// compaction: the same rows in other files
	if _, err := RewriteDataFiles(ctx, lakeTable(t, dir), CompactOptions{MinInputFiles: 2}); err != nil {
		t.Fatal(err)
	}
	snaps = append(snaps, *lakeTable(t, dir).CurrentSnapshot())
	if op := snaps[len(snaps)-1].Summary.Operation; op != table.OpReplace {
		t.Fatalf("compaction made a %s snapshot", op)
	}
	time.Sleep(3 * time.Millisecond)
	// a key with two rows: deleting the older leaves the newer, deleting
	// the newer brings back the older, deleting both removes the key
	snaps = append(snaps, w.commitRows(named(100, "old")), w.commitRows(named(100, "new")))
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error { return tx.Delete(ctx, iceberggo.EqualTo(name, "old"), nil) }))
	snaps = append(snaps, w.commitRows(named(101, "a")), w.commitRows(named(101, "b")))
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error { return tx.Delete(ctx, iceberggo.EqualTo(name, "b"), nil) }))
	snaps = append(snaps, lakeCommit(t, dir, func(tx *table.Transaction) error { return tx.Delete(ctx, iceberggo.EqualTo(name, "a"), nil) }))
	return snaps
}

var changelogSchema = types.NewSchema(types.Column{Name: "id", Type: types.BigInt}, types.Column{Name: "username", Type: types.String})

func newChangelogSource(t *testing.T, dir string, opts map[string]string) *Source {
	return newTestSource(t, dir, changelogSchema, opts, func(c *connectors.Config) {
		c.Changelog, c.PrimaryKey = true, []string{"id"}
	})
}

// TestSourceChangelogRemovedRows: a changelog of a table whose rows were
// deleted (copy-on-write, positional and equality delete files, an
// overwrite) is the table's history: as of every snapshot it holds that
// snapshot's rows, deleted rows end at the delete's commit, a key whose
// newer row is deleted gets its older row back, and compaction changes
// nothing. Read bounded (the history written before), streaming (written
// while it runs) and restored from a checkpoint taken mid-change. Also
// with the manifests merged by every other append (files of earlier
// snapshots as EXISTING entries of the appends' manifests).
func TestSourceChangelogRemovedRows(t *testing.T) {
	for _, minMerge := range []string{"100", "2"} {
		t.Run(OptManifestMinMerge+"="+minMerge, func(t *testing.T) {
			testChangelogRemovedRows(t, map[string]string{OptManifestMinMerge: minMerge})
		})
	}
}

func testChangelogRemovedRows(t *testing.T, tableOpts map[string]string) {
	dir := t.TempDir()
	w := newWriterWith(t, dir, tableOpts)
	snaps := []table.Snapshot{w.commit(0, 10), w.commit(10, 15)}

	// streaming, from before the deletes
	live := newChangelogSource(t, dir, map[string]string{"streaming": "true", "monitor-interval": "10ms"})
	openSource(t, live, nil, nil)
	liveRows := pollUntil(t, live, nil, 15)

	snaps = changeHistory(t, dir, w, snaps)
	if merging := mergingAppends(t, lakeTable(t, dir)); (tableOpts[OptManifestMinMerge] == "2") != (merging > 0) {
		t.Fatalf("%d appends merged manifests (%v)", merging, tableOpts)
	}
	ops := make([]string, len(snaps))
	for i, sn := range snaps {
		ops[i] = string(sn.Summary.Operation)
	}
	t.Logf("snapshots: %v", ops)
	for i, k := range map[int]string{3: "added-position-delete-files", 4: "added-equality-delete-files"} {
		if snaps[i].Summary.Properties[k] != "1" {
			t.Fatalf("snapshot %d is not what this test wants (%s): %v", i+1, k, snaps[i].Summary.Properties)
		}
	}

	// bounded, afterwards: the whole history
	s := newChangelogSource(t, dir, nil)
	openSource(t, s, nil, nil)
	rows := drain(t, s)
	rt := checkChangelog(t, dir, rows, snaps)
	replace := snaps[6]
	for _, r := range rows {
		if r[3].Micros() == replace.TimestampMs*1000 {
			t.Errorf("the compaction snapshot produced %v", r)
		}
	}
	if r := rt.AsOf(snaps[2].TimestampMs*1000-1, types.NewBigInt(1)); r == nil {
		t.Error("id 1 is gone before its delete")
	}
	if r := rt.AsOf(snaps[2].TimestampMs*1000, types.NewBigInt(1)); r != nil {
		t.Errorf("id 1 is still there after its delete: %v", r)
	}
	t.Logf("bounded: %d changelog rows, %d files read", len(rows), s.stats.files)

	// the streaming reader saw the same history as it happened
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := live.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			liveRows = append(liveRows, b.Rows...)
		}
		if live.st.Snapshot == snaps[len(snaps)-1].SnapshotID && live.st.Done {
			break
		}
	}
	checkChangelog(t, dir, liveRows, snaps)

	// a restart from checkpoints taken all along, mid-change included
	var all []types.Row
	var state []byte
	r := newChangelogSource(t, dir, nil)
	r.batch = 2
	openSource(t, r, nil, nil)
	for i := 0; ; i++ {
		if i%3 == 2 {
			st, err := r.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			state = st
			r.Close()
			r = newChangelogSource(t, dir, nil)
			r.batch = 2
			openSource(t, r, state, nil)
		}
		b, err := r.Poll(context.Background())
		if errors.Is(err, runtime.ErrEndOfInput) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			all = append(all, b.Rows...)
		}
	}
	checkChangelog(t, dir, all, snaps)
	if len(all) != len(rows) {
		t.Errorf("restarted: %d rows, without restarts %d", len(all), len(rows))
	}
}

// TestSourceStreamingAppendsOnDeletes: a stream of appends (not a
// changelog) fails on a snapshot that deletes rows unless told to skip
// such snapshots (Flink's options); compaction is passed over.
func TestSourceStreamingAppendsOnDeletes(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 10)
	id := iceberggo.Reference("id")
	ctx := context.Background()
	start := func(n int, opts map[string]string) *Source {
		o := map[string]string{"streaming": "true", "monitor-interval": "10ms"}
		for k, v := range opts {
			o[k] = v
		}
		s := newTestSource(t, dir, testSchema, o, nil)
		openSource(t, s, nil, nil)
		pollUntil(t, s, nil, n)
		return s
	}
	failsOn := func(s *Source, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := s.Poll(ctx); err != nil {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want %q", err, want)
				}
				return
			}
		}
		t.Fatalf("no error; want %q", want)
	}
	plain, skipping := start(10, nil), start(10, map[string]string{OptSkipDelete: "true", OptSkipOverwrite: "true"})
	lakeCommit(t, dir, func(tx *table.Transaction) error { return tx.Delete(ctx, iceberggo.EqualTo(id, int64(9)), nil) })
	failsOn(plain, "'"+OptSkipDelete+"'")
	plain = start(9, nil)
	all, err := lakeTable(t, dir).Scan().ToArrowTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Release()
	lakeCommit(t, dir, func(tx *table.Transaction) error {
		return tx.OverwriteTable(ctx, all, 100, nil, table.WithOverwriteFilter(iceberggo.EqualTo(id, int64(8))))
	})
	failsOn(plain, "'"+OptSkipOverwrite+"'")
	if _, err := RewriteDataFiles(ctx, lakeTable(t, dir), CompactOptions{MinInputFiles: 2}); err != nil {
		t.Fatal(err)
	}
	w.commit(50, 52)
	rows := pollUntil(t, skipping, nil, 2)
	wantRange(t, rows, 50, 52)
	time.Sleep(30 * time.Millisecond)
	for i := 0; i < 5; i++ {
		if b, err := skipping.Poll(ctx); err != nil || b != nil {
			t.Fatalf("after the skipped snapshots: %v %v", b, err)
		}
	}
}

// pushed returns a connectors.Config modifier that pushes the filter js
// (Iceberg's REST JSON) into source "src".
func pushed(js string) func(*connectors.Config) {
	return func(c *connectors.Config) { c.Settings[SettingScanFilterPrefix+"src"] = js }
}

// TestSourceFilterPrunesPartitions: a filter on the partition column of a
// day-partitioned table reads only the matching days' files, bounded and
// streaming (new snapshots' files are pruned too), and decodes only the
// matching rows; a column statistics filter skips files without a
// partition; a condition Iceberg would order differently than the
// declared type (a long declared VARCHAR) is not pushed.
func TestSourceFilterPrunesPartitions(t *testing.T) {
	dir := t.TempDir()
	w := newTestSink(t, dir, map[string]string{"partitioning": "days(event_time)"})
	openSink(t, w, "writer", nil)
	t.Cleanup(func() { w.Close() })
	lw := &lakeWriter{t: t, s: w}
	lw.commit(0, 40) // 7 h apart: 40 rows over 12 days, a file per day
	from := time.UnixMicro(day0).UTC().AddDate(0, 0, 10)
	filter := fmt.Sprintf(`{"type":"gt-eq","term":"event_time","value":%q}`, from.Format("2006-01-02T15:04:05-07:00"))
	var matching []int
	for i := 0; i < 40; i++ {
		if testRow(i)[6].Micros() >= from.UnixMicro() {
			matching = append(matching, i)
		}
	}
	s := newTestSource(t, dir, testSchema, nil, pushed(filter))
	openSource(t, s, nil, nil)
	rows := drain(t, s)
	wantRange(t, rows, matching[0], 40)
	if s.stats.files != 2 || s.stats.rows != int64(len(matching)) {
		t.Errorf("read %d files, decoded %d rows; want 2 files (days 11 and 12), %d rows", s.stats.files, s.stats.rows, len(matching))
	}
	all := newTestSource(t, dir, testSchema, nil, nil)
	openSource(t, all, nil, nil)
	drain(t, all)
	if all.stats.files != 12 {
		t.Errorf("without a filter: %d files, want 12", all.stats.files)
	}

	// streaming: a new snapshot's files are pruned as well
	st := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "10ms"}, pushed(filter))
	openSource(t, st, nil, nil)
	rows = pollUntil(t, st, nil, len(matching))
	lw.commit(40, 60) // days 12 to 18
	n, days := 0, map[int64]bool{}
	for i := 40; i < 60; i++ {
		if us := testRow(i)[6].Micros(); us >= from.UnixMicro() {
			n++
			days[us/86_400_000_000] = true
		}
	}
	rows = pollUntil(t, st, rows, len(matching)+n)
	wantRange(t, rows, matching[0], 60)
	if st.stats.files != int64(2+len(days)) {
		t.Errorf("streaming: %d files read, want %d", st.stats.files, 2+len(days))
	}

	// column statistics: ids 5..7 are in one file of an unpartitioned table
	dir2 := t.TempDir()
	w2 := newLakeWriter(t, dir2)
	w2.commit(0, 10)
	w2.commit(10, 20)
	w2.commit(20, 30)
	ids := newTestSource(t, dir2, testSchema, nil, pushed(`{"type":"in","term":"ID","values":[5,6,7]}`))
	openSource(t, ids, nil, nil)
	wantRange(t, drain(t, ids), 5, 8)
	if ids.stats.files != 1 || ids.stats.rows != 3 {
		t.Errorf("id IN (5, 6, 7): %d files, %d rows; want 1, 3", ids.stats.files, ids.stats.rows)
	}

	// id declared VARCHAR: '10' < '9' as text, not as longs: not pushed
	text := types.NewSchema(types.Column{Name: "id", Type: types.String}, types.Column{Name: "username", Type: types.String})
	bad := newTestSource(t, dir2, text, nil, pushed(`{"type":"and","left":{"type":"lt","term":"id","value":"9"},"right":{"type":"eq","term":"username","value":"user1"}}`))
	openSource(t, bad, nil, nil)
	rows = drain(t, bad)
	if len(rows) != 8 { // username = 'user1' still pushed: 8 of 30 (ids 1, 4, 10, ... but not 7, 28: NULL)
		t.Errorf("%d rows, want the 8 of user1 (the id condition not pushed)", len(rows))
	}
	if bad.filter == nil || strings.Contains(bad.filter.String(), "id") {
		t.Errorf("pushed %v, want only the username condition", bad.filter)
	}
	// a declared TIMESTAMP over a timestamptz field: the value is rewritten
	ts := types.NewSchema(types.Column{Name: "id", Type: types.BigInt}, types.Column{Name: "event_time", Type: types.Timestamp})
	ok := newTestSource(t, dir2, ts, nil, pushed(fmt.Sprintf(`{"type":"lt","term":"event_time","value":%q}`,
		time.UnixMicro(day0+3*7*3_600_000_000).UTC().Format("2006-01-02T15:04:05"))))
	openSource(t, ok, nil, nil)
	wantRange(t, drain(t, ok), 0, 3)
}

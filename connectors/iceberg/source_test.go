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

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/conformance"
	"github.com/chatsql/chatsql/runtime"
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

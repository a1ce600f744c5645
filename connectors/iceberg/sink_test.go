package iceberg

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

var testSchema = types.NewSchema(
	types.Column{Name: "id", Type: types.BigInt},
	types.Column{Name: "username", Type: types.String},
	types.Column{Name: "n", Type: types.Int},
	types.Column{Name: "score", Type: types.Double},
	types.Column{Name: "price", Type: types.Decimal(10, 2)},
	types.Column{Name: "ok", Type: types.Boolean},
	types.Column{Name: "event_time", Type: types.TimestampLTZ},
	types.Column{Name: "local_time", Type: types.Timestamp},
	types.Column{Name: "day", Type: types.Date},
	types.Column{Name: "payload", Type: types.JSON},
)

const day0 = int64(1704067200) * 1e6 // 2024-01-01 UTC, micros

func testRow(i int) types.Row {
	name := types.NewString(fmt.Sprintf("user%d", i%3))
	if i%7 == 0 {
		name = types.NullValue
	}
	return types.Row{
		types.NewBigInt(int64(i)), name, types.NewInt(int64(i % 5)), types.NewDouble(float64(i) / 2),
		types.NewDecimal(int64(i*100+5), 2), types.NewBool(i%2 == 0),
		types.NewTimestampLTZ(day0 + int64(i)*3_600_000_000*7), types.NewTimestamp(day0 + int64(i)),
		types.NewDate(19723 + int64(i%3)), types.NewJSON(fmt.Sprintf(`{"i":%d}`, i)),
	}
}

func newTestSink(t *testing.T, dir string, opts map[string]string) *Sink {
	t.Helper()
	raw := map[string]string{"connector": "iceberg", "table": "chat.messages"}
	for k, v := range opts {
		raw[k] = v
	}
	o, errs := Spec.Validate(raw, false)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	s, err := NewSink(connectors.Config{Name: "t", Options: o, Schema: testSchema,
		Settings: CatalogSettings(EmbeddedProperties(dir))})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*Sink)
}

func openSink(t *testing.T, s *Sink, jobID string, state []byte) {
	t.Helper()
	if err := s.Open(context.Background(), &runtime.OpContext{JobID: jobID, JobName: "insert-messages", Logf: t.Logf}, state); err != nil {
		t.Fatal(err)
	}
}

func writeRows(t *testing.T, s *Sink, from, to int) {
	t.Helper()
	var b runtime.Batch
	for i := from; i < to; i++ {
		b.Rows = append(b.Rows, testRow(i))
	}
	if err := s.Write(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
}

// checkpoint runs what the runtime does at a barrier: Flush, Snapshot.
func checkpoint(t *testing.T, s *Sink, id int64) []byte {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := s.Snapshot(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// readIDs scans the table and returns its ids, sorted.
func readIDs(t *testing.T, dir string) []int64 {
	t.Helper()
	ctx := context.Background()
	c := NewCatalogs(dir)
	defer c.Close()
	tbl, err := c.LoadTable(ctx, "lake.chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	at, err := tbl.Scan().ToArrowTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer at.Release()
	var ids []int64
	tr := array.NewTableReader(at, 1024)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		col := rec.Column(int(rec.Schema().FieldIndices("id")[0])).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			ids = append(ids, col.Value(i))
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func wantIDs(t *testing.T, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	for i, id := range got {
		if id != int64(i) {
			t.Fatalf("row %d has id %d (duplicate or missing)", i, id)
		}
	}
}

func TestSinkCommitPerCheckpoint(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink(t, dir, map[string]string{"partitioning": "days(event_time), bucket(4, username)"})
	openSink(t, s, "run1", nil)
	writeRows(t, s, 0, 100)
	checkpoint(t, s, 1)
	if err := s.CheckpointComplete(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	writeRows(t, s, 100, 250)
	checkpoint(t, s, 2)
	if err := s.CheckpointComplete(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	checkpoint(t, s, 3) // nothing written: no commit
	if err := s.CheckpointComplete(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	snaps := s.tbl.Metadata().Snapshots()
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots, want 2", len(snaps))
	}
	for i, sn := range snaps {
		p := sn.Summary.Properties
		if p[SummaryJob] != "insert-messages" || p[SummaryJobID] != "run1" || p[SummaryCheckpointID] != fmt.Sprint(i+1) {
			t.Fatalf("snapshot %d summary %v", i, p)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, readIDs(t, dir), 250)
	if spec := s.tbl.Spec(); spec.NumFields() != 2 {
		t.Fatalf("spec %v", s.tbl.Spec())
	}
}

func TestSinkRestoreCommitsPendingOnce(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := newTestSink(t, dir, nil)
	openSink(t, s, "run1", nil)
	writeRows(t, s, 0, 50)
	checkpoint(t, s, 1)
	if err := s.CheckpointComplete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	writeRows(t, s, 50, 80)
	st2 := checkpoint(t, s, 2) // durable, but the process dies before CheckpointComplete
	writeRows(t, s, 80, 90)
	if err := s.Flush(ctx); err != nil { // files of checkpoint 3, which never completes
		t.Fatal(err)
	}
	s.finalFlush = false // a crash, not a graceful end
	s.Close()
	wantIDs(t, readIDs(t, dir), 50)

	// restart from checkpoint 2: its files are committed
	s2 := newTestSink(t, dir, nil)
	openSink(t, s2, "run2", st2)
	wantIDs(t, readIDs(t, dir), 80)
	// the restarted job replays from checkpoint 2's positions: rows 80..
	writeRows(t, s2, 80, 120)
	checkpoint(t, s2, 3)
	if err := s2.CheckpointComplete(ctx, 3); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	wantIDs(t, readIDs(t, dir), 120)

	// a second restore from the same checkpoint 2 (crash right after the
	// retried commit) recognises the commit and does not duplicate it
	s3 := newTestSink(t, dir, nil)
	openSink(t, s3, "run3", st2)
	s3.Close()
	ids := readIDs(t, dir)
	wantIDs(t, ids, 120)
}

func TestSinkEndOfInput(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := newTestSink(t, dir, nil)
	openSink(t, s, "run1", nil)
	writeRows(t, s, 0, 10)
	st1 := checkpoint(t, s, 1)
	if err := s.CheckpointComplete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	writeRows(t, s, 10, 30)
	if err := s.Flush(ctx); err != nil { // the input ended: Flush, Close
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, readIDs(t, dir), 30)
	// restarting the finished job from checkpoint 1 replays rows 10..29: dropped
	s2 := newTestSink(t, dir, nil)
	openSink(t, s2, "run2", st1)
	writeRows(t, s2, 10, 30)
	if err := s2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	wantIDs(t, readIDs(t, dir), 30)
}

func TestSinkExistingTableAndErrors(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink(t, dir, map[string]string{"sink.create-table": "false"})
	if err := s.Open(context.Background(), &runtime.OpContext{JobID: "x"}, nil); err == nil {
		t.Fatal("opened a missing table with sink.create-table = false")
	}
	if _, errs := Spec.Validate(map[string]string{"connector": "iceberg", "table": "a.b", "write.format.default": "orc"}, false); len(errs) == 0 {
		t.Fatal("orc accepted")
	}
	if _, err := ParsePartitioning("days(a), weeks(b)"); err == nil {
		t.Fatal("weeks accepted")
	}
	fs, err := ParsePartitioning("username, bucket(16, username), truncate(username, 4), hours(event_time)")
	if err != nil || len(fs) != 4 || fs[2].Param != 4 || fs[2].Column != "username" {
		t.Fatalf("%v %v", fs, err)
	}
}

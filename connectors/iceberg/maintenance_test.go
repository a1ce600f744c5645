package iceberg

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestRewriteDataFilesKeepsEveryRow(t *testing.T) {
	for _, part := range []string{"", "days(event_time)"} {
		t.Run("partitioning="+part, func(t *testing.T) { testRewriteDataFiles(t, part) })
	}
}

func testRewriteDataFiles(t *testing.T, partitioning string) {
	dir := t.TempDir()
	ctx := context.Background()
	s := newTestSink(t, dir, map[string]string{"partitioning": partitioning})
	openSink(t, s, "run1", nil)
	for cp := int64(1); cp <= 8; cp++ { // 8 small commits
		writeRows(t, s, int(cp-1)*40, int(cp)*40)
		checkpoint(t, s, cp)
		if err := s.CheckpointComplete(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	cats := NewCatalogs(dir)
	defer cats.Close()
	tbl, err := cats.LoadTable(ctx, "chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := DataFileCount(ctx, tbl)
	res, err := RewriteDataFiles(ctx, tbl, CompactOptions{MinInputFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := DataFileCount(ctx, tbl)
	t.Logf("files %d -> %d: %+v", before, after, res)
	if after >= before || res.FilesAfter != after || res.RewrittenFiles == 0 || partitioning == "" && after != 1 {
		t.Fatalf("compaction: %d -> %d files (%+v)", before, after, res)
	}
	if op := tbl.CurrentSnapshot().Summary.Operation; op != "replace" {
		t.Fatalf("compaction committed a %q snapshot", op)
	}
	wantIDs(t, readIDs(t, dir), 320)
	// every value survives, read through the source
	src := newTestSource(t, dir, testSchema, nil, nil)
	openSource(t, src, nil, nil)
	rows := drain(t, src)
	wantRange(t, rows, 0, 320)
	for _, r := range rows {
		want := testRow(int(r[0].Int()))
		for c := range want {
			if !types.Equal(want[c], r[c]) && !(want[c].IsNull() && r[c].IsNull()) {
				t.Fatalf("row %d column %d: %v, want %v", r[0].Int(), c, r[c], want[c])
			}
		}
	}
	// a second run has nothing to do
	res, err = RewriteDataFiles(ctx, tbl, CompactOptions{MinInputFiles: 2})
	if err != nil || res.RewrittenFiles != 0 || res.Snapshot != 0 {
		t.Fatalf("second compaction: %+v %v", res, err)
	}
}

func TestExpireSnapshots(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := newLakeWriter(t, dir)
	s1 := w.commit(0, 10)
	w.commit(10, 20)
	time.Sleep(20 * time.Millisecond)
	cut := time.Now()
	time.Sleep(5 * time.Millisecond)
	s3 := w.commit(20, 30)
	w.commit(30, 40)

	cats := NewCatalogs(dir)
	defer cats.Close()
	// through the procedure, as CALL lake.system.expire_snapshots(...) runs it
	r, err := cats.Call(ctx, "lake", "expire_snapshots", CallArgs{Values: map[string]string{
		"table": "chat.messages", "older_than": cut.UTC().Format("2006-01-02 15:04:05.000"), "retain_last": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Row, ",") != "2,2" {
		t.Fatalf("expire_snapshots: %v %v", r.Columns, r.Row)
	}
	tbl, _ := cats.LoadTable(ctx, "chat.messages")
	ids := SnapshotIDs(tbl)
	if len(ids) != 2 || ids[0] != s3.SnapshotID || tbl.SnapshotByID(s1.SnapshotID) != nil {
		t.Fatalf("snapshots left %v", ids)
	}
	wantIDs(t, readIDs(t, dir), 40) // the current snapshot keeps every row
	// time travel to an expired snapshot is an error naming the snapshots left
	src := newTestSource(t, dir, testSchema, map[string]string{"snapshot-id": fmt.Sprint(s1.SnapshotID)}, nil)
	if err := src.Open(ctx, nil, nil); err == nil || !strings.Contains(err.Error(), fmt.Sprint(s3.SnapshotID)) {
		t.Fatalf("expired snapshot: %v", err)
	}
	// retain_last keeps the newest even when all are old
	r, err = cats.Call(ctx, "lake", "expire_snapshots", CallArgs{Values: map[string]string{
		"table": "lake.chat.messages", "older_than": fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())}})
	if err != nil || strings.Join(r.Row, ",") != "1,1" {
		t.Fatalf("expire all but one: %v %v", r.Row, err)
	}
	wantIDs(t, readIDs(t, dir), 40)
}

func TestProcedureErrors(t *testing.T) {
	dir := t.TempDir()
	w := newLakeWriter(t, dir)
	w.commit(0, 10)
	cats := NewCatalogs(dir)
	defer cats.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		proc string
		args CallArgs
		want string
	}{
		{"rewrite_files", CallArgs{}, "unknown procedure system.rewrite_files"},
		{"rewrite_data_files", CallArgs{}, "the table is missing"},
		{"rewrite_data_files", CallArgs{Values: map[string]string{"table": "chat.nope"}}, "chat.nope"},
		{"rewrite_data_files", CallArgs{Values: map[string]string{"table": "chat.messages"}, Maps: map[string][]string{"options": {"max-files", "3"}}}, "unknown option 'max-files'"},
		{"expire_snapshots", CallArgs{Values: map[string]string{"table": "chat.messages", "older": "x"}}, "no parameter 'older'"},
		{"expire_snapshots", CallArgs{Values: map[string]string{"table": "chat.messages", "retain_last": "0"}}, "retain_last"},
	} {
		_, err := cats.Call(ctx, "lake", tc.proc, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %+v: %v, want %q", tc.proc, tc.args, err, tc.want)
		}
	}
	r, err := cats.Call(ctx, "lake", "rewrite_data_files", CallArgs{Values: map[string]string{"table": "chat.messages"}})
	if err != nil || r.Row[0] != "0" {
		t.Fatalf("one file, nothing to compact: %v %v", r, err)
	}
}

func TestAddColumnOldFilesReadNull(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := newLakeWriter(t, dir)
	w.commit(0, 10)
	cats := NewCatalogs(dir)
	defer cats.Close()
	tbl, err := cats.LoadTable(ctx, "chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	if err := AddColumn(ctx, tbl, "sentiment", types.Double); err != nil {
		t.Fatal(err)
	}
	if err := AddColumn(ctx, tbl, "Sentiment", types.Double); err == nil {
		t.Fatal("a duplicate column was added")
	}
	// a writer of the new schema
	wide := types.NewSchema(append(append([]types.Column(nil), testSchema.Columns...), types.Column{Name: "sentiment", Type: types.Double})...)
	s := newTestSink(t, dir, nil)
	s.schema = wide
	openSink(t, s, "run2", nil)
	var rows []types.Row
	for i := 10; i < 15; i++ {
		rows = append(rows, append(testRow(i), types.NewDouble(float64(i)/10)))
	}
	if err := s.Write(ctx, batchOf(rows)); err != nil {
		t.Fatal(err)
	}
	checkpoint(t, s, 1)
	if err := s.CheckpointComplete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Close()

	src := newTestSource(t, dir, types.NewSchema(types.Column{Name: "id", Type: types.BigInt}, types.Column{Name: "sentiment", Type: types.Double}), nil, nil)
	openSource(t, src, nil, nil)
	got := drain(t, src)
	wantRange(t, got, 0, 15)
	for _, r := range got {
		if id := r[0].Int(); id < 10 && !r[1].IsNull() || id >= 10 && r[1].AsFloat() != float64(id)/10 {
			t.Fatalf("row %v", r)
		}
	}
}

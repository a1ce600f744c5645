package session

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
)

// A streaming sink commits every checkpoint; the table it creates merges
// its manifests on commit (every 4 here), and CALL rewrite_manifests
// merges them all. Every reader reads each row once.

// mergedLake streams chat messages 0..n-1 from Kafka into
// lake.chat.messages, created by a CREATE TABLE whose commits merge
// manifests once there are 4, a checkpoint every 100 ms, while a
// streaming query of the same session reads the table into a file. It
// returns the data directory, the sink's session, a function that
// produces more messages, and the streaming query's output file.
func mergedLake(t *testing.T, n int) (dataDir string, s *Session, produce func(from, to int), streamed string) {
	t.Helper()
	br := kafkatest.NewKfake(t)
	in := kafkatest.Topic(t, "merge-in")
	kafkatest.CreateTopic(t, br, in, 1)
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf,
		Settings: map[string]string{"kafka.brokers": br, "execution.checkpointing.interval": "100 ms"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if _, err := s.ExecScript(ctx, "sink.sql", `
CREATE SOURCE chat (id BIGINT, username VARCHAR, text VARCHAR, `+"`timestamp`"+` BIGINT, event_time AS TO_TIMESTAMP_LTZ(`+"`timestamp`"+`, 0))
  WITH ('connector' = 'kafka', 'topic' = '`+in+`', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE messages (id BIGINT, username VARCHAR, text VARCHAR, event_time TIMESTAMP_LTZ(3))
  WITH ('connector' = 'iceberg', 'table' = 'chat.messages', 'commit.manifest.min-count-to-merge' = '4');
INSERT INTO messages SELECT id, username, text, event_time FROM chat;`); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	produce = func(from, to int) {
		for i := from; i < to; i += 10 {
			var vals []string
			for k := i; k < i+10 && k < to; k++ {
				vals = append(vals, chatLine(k))
			}
			kafkatest.ProduceValues(t, br, in, vals...)
			time.Sleep(120 * time.Millisecond) // about a checkpoint, so about a commit, each
		}
	}
	go produce(0, n)
	waitLake(t, dataDir, "lake.chat.messages", 1, 30*time.Second)
	streamed = filepath.Join(dir, "streamed.json")
	if _, err := s.ExecScript(ctx, "stream.sql", fmt.Sprintf(`
CREATE TABLE messages_s (id BIGINT, username VARCHAR) WITH ('connector' = 'iceberg', 'table' = 'chat.messages',
  'streaming' = 'true', 'monitor-interval' = '50 ms');
CREATE SINK streamed WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS SELECT id, username FROM messages_s;`,
		streamed)); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	waitLake(t, dataDir, "lake.chat.messages", n, 60*time.Second)
	return dataDir, s, produce, streamed
}

// wantStreamedOnce waits until the streaming query's output has n rows
// and checks that they are ids 0..n-1, each once (and no more come).
func wantStreamedOnce(t *testing.T, path string, n int) {
	t.Helper()
	waitRows(t, path, 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= n })
	time.Sleep(300 * time.Millisecond) // a re-read would show now
	var ids []int64
	for _, r := range readJSONLines(t, path) {
		ids = append(ids, int64(r["id"].(float64)))
	}
	slices.Sort(ids)
	wantEachID(t, "the streaming query", ids, n)
}

// manifestsOf is the number of data manifests of a table's current
// snapshot, and the number of its appends that merged manifests.
func manifestsOf(t *testing.T, tbl *table.Table) (manifests, mergingAppends int) {
	t.Helper()
	manifests, err := iceberg.DataManifestCount(context.Background(), tbl)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := tbl.FS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range tbl.Metadata().Snapshots() {
		if sn.Summary.Operation != table.OpAppend {
			continue
		}
		ms, err := sn.Manifests(fs)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(ms, func(m iceberggo.ManifestFile) bool {
			return m.SnapshotID() == sn.SnapshotID && m.ExistingDataFiles() > 0
		}) {
			mergingAppends++
		}
	}
	return manifests, mergingAppends
}

// TestLakeManifestMerge: a streaming sink's table (created with
// 'commit.manifest.min-count-to-merge' = '4') keeps a handful of
// manifests however many checkpoints commit; a streaming query reading
// it alongside, DuckDB (the current snapshot and FOR VERSION AS OF an
// older one) and iceberg-go read each row once; CALL rewrite_manifests
// (Spark's positional form) leaves one manifest and the streaming query
// reads nothing again, then the rows committed after; wrong arguments
// are errors at the argument.
func TestLakeManifestMerge(t *testing.T) {
	const n = 300
	dataDir, s, produce, streamed := mergedLake(t, n)
	ctx := context.Background()
	wantStreamedOnce(t, streamed, n)
	tbl := lakeTableOf(t, dataDir, "lake.chat.messages")
	_, rows := lakeRows(t, tbl)
	wantEachID(t, "iceberg-go", idsOf(t, rows), n)
	appends := len(tbl.Metadata().Snapshots())
	manifests, merging := manifestsOf(t, tbl)
	t.Logf("%d commits: %d data manifests, %d commits merged manifests", appends, manifests, merging)
	if appends < 12 || manifests > 4 || merging < 2 {
		t.Fatalf("%d commits left %d data manifests (%d merged) with min-count-to-merge 4", appends, manifests, merging)
	}
	if p := tbl.Properties(); p[table.ManifestMergeEnabledKey] != "true" || p[table.ManifestMinMergeCountKey] != "4" {
		t.Fatalf("table properties %v", p)
	}
	// DuckDB: the current snapshot, and an older one merged since
	got := adhocRows(t, dataDir, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM lake.chat.messages")
	if strings.Join(got[0], ",") != fmt.Sprintf("%d,%d,0,%d", n, n, n-1) {
		t.Fatalf("DuckDB: %v", got)
	}
	snaps := tbl.Metadata().Snapshots()
	old := snaps[len(snaps)/2]
	oldTbl := lakeTableOf(t, dataDir, "lake.chat.messages")
	at, err := oldTbl.Scan(table.WithSnapshotID(old.SnapshotID)).ToArrowTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oldRows := at.NumRows()
	at.Release()
	got = adhocRows(t, dataDir, fmt.Sprintf("SELECT count(*), count(DISTINCT id), max(id) + 1 FROM lake.chat.messages FOR VERSION AS OF %d", old.SnapshotID))
	if want := fmt.Sprintf("%d,%d,%d", oldRows, oldRows, oldRows); strings.Join(got[0], ",") != want || oldRows == 0 || oldRows >= n {
		t.Fatalf("DuckDB FOR VERSION AS OF %d: %v, want %s", old.SnapshotID, got, want)
	}

	// rewrite_manifests, Spark's call (use_caching false)
	res, err := s.Exec(ctx, "care.sql", "CALL lake.system.rewrite_manifests('chat.messages', false);")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	t.Logf("rewrite_manifests: %v %v", res.Columns, res.Rows)
	if strings.Join(res.Columns, ",") != "rewritten_manifests_count,added_manifests_count" || res.Rows[0][1] != "1" {
		t.Fatalf("rewrite_manifests: %v %v", res.Columns, res.Rows)
	}
	tbl = lakeTableOf(t, dataDir, "lake.chat.messages")
	if m, _ := manifestsOf(t, tbl); m != 1 || tbl.CurrentSnapshot().Summary.Operation != table.OpReplace {
		t.Fatalf("after rewrite_manifests: %d manifests, a %s snapshot", m, tbl.CurrentSnapshot().Summary.Operation)
	}
	wantStreamedOnce(t, streamed, n)
	produce(n, n+60)
	waitLake(t, dataDir, "lake.chat.messages", n+60, 30*time.Second)
	wantStreamedOnce(t, streamed, n+60)
	got = adhocRows(t, dataDir, fmt.Sprintf("SELECT count(*), count(DISTINCT id) FROM lake.chat.messages FOR VERSION AS OF %d", old.SnapshotID))
	if strings.Join(got[0], ",") != fmt.Sprintf("%d,%d", oldRows, oldRows) {
		t.Fatalf("DuckDB FOR VERSION AS OF %d after rewrite_manifests: %v", old.SnapshotID, got)
	}

	// wrong arguments: an error where the argument is
	for _, tc := range []struct{ sql, want string }{
		{"CALL lake.system.rewrite_manifests('chat.messages', spec_id => 'x');", "e.sql:1:53: "},
		{"CALL lake.system.rewrite_manifests('chat.messages', 'maybe');", "e.sql:1:53: "},
		{"CALL lake.system.rewrite_manifests('chat.messages', spec_id => 7);", "e.sql:1:53: "},
		{"CALL lake.system.rewrite_manifests('messages');", "e.sql:1:36: "},
		{"CALL lake.system.rewrite_manifests(spec_id => 0);", "the table is missing"},
		{"CALL lake.system.rewrite_manifests('chat.messages', options => map('a', 'b'));", "e.sql:1:53: "},
		{"CALL lake.system.rewrite_data_files('chat.messages', map('max-files', '3'));", "e.sql:1:54: "},
		{"CALL lake.system.rewrite_manifest('chat.messages');", "did you mean rewrite_manifests"},
	} {
		_, err := s.Exec(ctx, "e.sql", tc.sql)
		if err == nil || !strings.Contains(diag.FormatError(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.sql, diag.FormatError(err), tc.want)
		}
	}
	// and an option of the CREATE TABLE
	_, err = s.ExecScript(ctx, "o.sql", `CREATE TABLE m2 (id BIGINT) WITH ('connector' = 'iceberg', 'table' = 'chat.m2', 'commit.manifest.min-count-to-merg' = '4');`)
	if err == nil || !strings.Contains(diag.FormatError(err), "commit.manifest.min-count-to-merge") {
		t.Errorf("misspelt option: %v", diag.FormatError(err))
	}
}

// TestIntegrationPyicebergMergedManifests: pyiceberg reads the table
// whose commits merged manifests and that rewrite_manifests rewrote:
// every row once, now and as of each snapshot (as many rows as iceberg-go
// reads there).
func TestIntegrationPyicebergMergedManifests(t *testing.T) {
	py := pyiceberg(t)
	const n = 200
	dataDir, s, _, _ := mergedLake(t, n)
	if _, err := s.Exec(context.Background(), "care.sql", "CALL lake.system.rewrite_manifests('chat.messages');"); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	const script = `
import json, sys
from pyiceberg.catalog.sql import SqlCatalog
data_dir = sys.argv[1]
cat = SqlCatalog("lake", uri=f"sqlite:///{data_dir}/catalog.db", warehouse=f"file://{data_dir}/warehouse")
tbl = cat.load_table("chat.messages")
out = {"ids": tbl.scan(selected_fields=("id",)).to_arrow().column("id").to_pylist(), "snapshots": {}}
for sn in tbl.snapshots():
    ids = tbl.scan(snapshot_id=sn.snapshot_id, selected_fields=("id",)).to_arrow().column("id").to_pylist()
    out["snapshots"][str(sn.snapshot_id)] = [len(ids), len(set(ids)), sn.summary.operation.value]
json.dump(out, sys.stdout)
`
	abs, _ := filepath.Abs(dataDir)
	var got struct {
		IDs       []int64          `json:"ids"`
		Snapshots map[string][]any `json:"snapshots"`
	}
	out := runPython(t, py, "-c", script, abs)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	slices.Sort(got.IDs)
	wantEachID(t, "pyiceberg", got.IDs, n)
	tbl := lakeTableOf(t, dataDir, "lake.chat.messages")
	ops := map[string]int{}
	for _, sn := range tbl.Metadata().Snapshots() {
		at, err := tbl.Scan(table.WithSnapshotID(sn.SnapshotID)).ToArrowTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := float64(at.NumRows())
		at.Release()
		p := got.Snapshots[fmt.Sprint(sn.SnapshotID)]
		if len(p) != 3 || p[0] != want || p[1] != want {
			t.Fatalf("snapshot %d (%s): pyiceberg reads %v, iceberg-go %v rows", sn.SnapshotID, sn.Summary.Operation, p, want)
		}
		ops[fmt.Sprint(p[2])]++
	}
	if _, merging := manifestsOf(t, tbl); merging < 2 || ops["replace"] != 1 {
		t.Fatalf("%d appends merged manifests, snapshots %v", merging, ops)
	}
	t.Logf("pyiceberg reads every snapshot (%v) as iceberg-go does", ops)
}

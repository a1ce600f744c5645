package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/diag"
)

// runScript runs a script in s and waits for its jobs (bounded inputs).
func runScript(t *testing.T, s *Session, name, script string) []Result {
	t.Helper()
	ctx := context.Background()
	res, err := s.ExecScript(ctx, name, script)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := s.WaitJobs(wctx); err != nil {
		t.Fatal(err)
	}
	return res
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLakeTemporalJoinPicksSnapshot: user_profiles is an Iceberg table
// written in two commits (alice a member, then an admin); messages whose
// event times fall before the first commit, between the commits and after
// the second are joined FOR SYSTEM_TIME AS OF their event time: each sees
// the version of the snapshot current at its time.
func TestLakeTemporalJoinPicksSnapshot(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v1, v2 := filepath.Join(dir, "v1.json"), filepath.Join(dir, "v2.json")
	writeLines(t, v1, `{"username":"alice","role":"member"}`, `{"username":"bob","role":"member"}`)
	writeLines(t, v2, `{"username":"alice","role":"admin"}`)
	load := func(path string) {
		runScript(t, s, "load.sql", fmt.Sprintf(`
CREATE SOURCE IF NOT EXISTS p_%[2]s (username VARCHAR, role VARCHAR) WITH ('connector' = 'file', 'path' = '%[1]s', 'format' = 'json');
INSERT INTO lake.db.user_profiles SELECT username, role FROM p_%[2]s;`, path, strings.TrimSuffix(filepath.Base(path), ".json")))
	}
	load(v1)
	time.Sleep(50 * time.Millisecond)
	load(v2)
	snaps := lakeTableOf(t, dataDir, "lake.db.user_profiles").Metadata().Snapshots()
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots, want 2", len(snaps))
	}
	t1, t2 := snaps[0].TimestampMs, snaps[1].TimestampMs
	if t2 <= t1 {
		t.Fatalf("commit times %d %d", t1, t2)
	}
	msgs := filepath.Join(dir, "msgs.json")
	writeLines(t, msgs,
		fmt.Sprintf(`{"id":1,"username":"alice","ts":%d}`, t1-1000), // before the first commit: no version
		fmt.Sprintf(`{"id":2,"username":"alice","ts":%d}`, t1),      // at the first commit
		fmt.Sprintf(`{"id":3,"username":"alice","ts":%d}`, t2-1),    // just before the second
		fmt.Sprintf(`{"id":4,"username":"bob","ts":%d}`, t2-1),
		fmt.Sprintf(`{"id":5,"username":"alice","ts":%d}`, t2),      // at the second
		fmt.Sprintf(`{"id":6,"username":"alice","ts":%d}`, t2+5000), // after
		fmt.Sprintf(`{"id":7,"username":"bob","ts":%d}`, t2+5000))
	out := filepath.Join(dir, "out.json")
	runScript(t, s, "join.sql", fmt.Sprintf(`
CREATE SOURCE msgs (id BIGINT, username VARCHAR, ts BIGINT, event_time AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR event_time AS event_time) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE TABLE user_profiles (username VARCHAR, role VARCHAR, PRIMARY KEY (username) NOT ENFORCED)
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'db.user_profiles');
CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT m.id, m.username, p.role FROM msgs m
LEFT JOIN user_profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username;`, msgs, out))
	got := map[int]any{}
	for _, r := range readJSONLines(t, out) {
		got[int(r["id"].(float64))] = r["role"]
	}
	want := map[int]any{1: nil, 2: "member", 3: "member", 4: "member", 5: "admin", 6: "admin", 7: "member"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("roles by message %v, want %v", got, want)
	}

	// a qualified name without identifier fields says how to declare the key
	_, err = s.ExecScript(context.Background(), "q.sql", `
CREATE SINK out2 WITH ('connector' = 'print') AS
SELECT m.id, p.role FROM msgs m JOIN lake.db.user_profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username;`)
	if err == nil || !strings.Contains(diag.FormatError(err), "has no identifier fields") || !strings.Contains(diag.FormatError(err), "PRIMARY KEY") {
		t.Fatalf("qualified name without a key: %v", err)
	}
}

// TestLakeStreamingQueryReadsTable: a query reads an Iceberg table by its
// name (namespace.table in lake) and through a CREATE TABLE with time
// travel ('snapshot-id'); ALTER TABLE adds a column between two runs and
// both old and new rows read, here and in DuckDB; CALL compacts the files
// and expires the old snapshots.
func TestLakeStreamingQueryReadsTable(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in1, in2 := filepath.Join(dir, "in1.json"), filepath.Join(dir, "in2.json")
	var l1, l2 []string
	for i := 0; i < 30; i++ {
		l1 = append(l1, fmt.Sprintf(`{"id":%d,"username":"user%d"}`, i, i%3))
	}
	for i := 30; i < 40; i++ {
		l2 = append(l2, fmt.Sprintf(`{"id":%d,"username":"user%d","score":%d.5}`, i, i%3, i))
	}
	writeLines(t, in1, l1...)
	writeLines(t, in2, l2...)
	runScript(t, s, "w1.sql", fmt.Sprintf(`
CREATE SOURCE in1 (id BIGINT, username VARCHAR) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO lake.chat.history SELECT id, username FROM in1;`, in1))
	first := lakeTableOf(t, dataDir, "lake.chat.history").CurrentSnapshot().SnapshotID

	// schema evolution between runs
	res, err := s.Exec(context.Background(), "alter.sql", "ALTER TABLE lake.chat.history ADD COLUMN score DOUBLE;")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	t.Log(res.Message)
	runScript(t, s, "w2.sql", fmt.Sprintf(`
CREATE SOURCE in2 (id BIGINT, username VARCHAR, score DOUBLE) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO lake.chat.history SELECT id, username, score FROM in2;`, in2))

	// a streaming query over the qualified name (bounded: the current snapshot)
	out := filepath.Join(dir, "out.json")
	runScript(t, s, "r.sql", fmt.Sprintf(`
CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT h.id, UPPER(h.username) AS u, h.score FROM chat.history h WHERE h.id %% 2 = 0;`, out))
	rows := readJSONLines(t, out)
	if len(rows) != 20 {
		t.Fatalf("%d rows, want 20: %v", len(rows), rows)
	}
	for _, r := range rows {
		id := int(r["id"].(float64))
		if r["u"] != fmt.Sprintf("USER%d", id%3) || id < 30 && r["score"] != nil || id >= 30 && r["score"] != float64(id)+0.5 {
			t.Fatalf("row %v", r)
		}
	}
	// time travel through a declared table
	out2 := filepath.Join(dir, "out2.json")
	runScript(t, s, "tt.sql", fmt.Sprintf(`
CREATE TABLE history_v1 (id BIGINT, username VARCHAR) WITH ('connector' = 'iceberg', 'table' = 'chat.history', 'snapshot-id' = '%d');
CREATE SINK out2 WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS SELECT id FROM history_v1;`, first, out2))
	if n := len(readJSONLines(t, out2)); n != 30 {
		t.Fatalf("time travel: %d rows, want 30", n)
	}
	// DuckDB (the REPL's SELECT on an Iceberg table) reads old and new rows
	res, err = s.Exec(context.Background(), "adhoc", "SELECT count(*) AS n, count(score) AS scored, sum(score) AS total FROM lake.chat.history")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if res.Kind != ResultTable || strings.Join(res.Rows[0], ",") != "40,10,350" {
		t.Fatalf("DuckDB: %v %v", res.Columns, res.Rows)
	}

	// table care through CALL
	res, err = s.Exec(context.Background(), "call.sql", "CALL lake.system.rewrite_data_files(table => 'chat.history', options => map('min-input-files', '2'));")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if res.Kind != ResultTable || res.Rows[0][0] != "2" || res.Rows[0][4] != "1" {
		t.Fatalf("rewrite_data_files: %v %v", res.Columns, res.Rows)
	}
	res, err = s.Exec(context.Background(), "call.sql", fmt.Sprintf("CALL lake.system.expire_snapshots('chat.history', TIMESTAMP '%s', 1);",
		time.Now().Add(time.Minute).UTC().Format("2006-01-02 15:04:05")))
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if res.Rows[0][0] != "2" || res.Rows[0][1] != "1" {
		t.Fatalf("expire_snapshots: %v %v", res.Columns, res.Rows)
	}
	res, err = s.Exec(context.Background(), "adhoc", "SELECT count(*), sum(score) FROM lake.chat.history")
	if err != nil || strings.Join(res.Rows[0], ",") != "40,350" {
		t.Fatalf("after compaction and expiry: %v %v", res.Rows, err)
	}
	// errors
	for _, tc := range []struct{ sql, want string }{
		{"CALL lake.system.rewrite_datafiles('chat.history');", "did you mean rewrite_data_files"},
		{"CALL lake.rewrite_data_files('chat.history');", "CALL <catalog>.system.<procedure>"},
		{"CALL nope.system.expire_snapshots('chat.history');", "unknown catalog 'nope'"},
		{"ALTER TABLE lake.chat.history ADD COLUMN score DOUBLE;", "already exists"},
		{"ALTER TABLE lake.chat.nope ADD COLUMN x INT;", "does not exist"},
		{"SELECT id FROM chat.nope;", "does not exist"},
	} {
		_, err := s.Exec(context.Background(), "e.sql", tc.sql)
		if err == nil || !strings.Contains(diag.FormatError(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.sql, err, tc.want)
		}
	}
}

func lakeTableOf(t *testing.T, dataDir, name string) *table.Table {
	t.Helper()
	c := iceberg.NewCatalogs(dataDir)
	t.Cleanup(func() { c.Close() })
	tbl, err := c.LoadTable(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

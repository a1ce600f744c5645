package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	iceberggo "github.com/apache/iceberg-go"
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

// rolesAsOf joins messages (JSON lines of id, username and ts in ms) to
// lake.db.user_profiles FOR SYSTEM_TIME AS OF their event time in session
// s (as source msgs and table user_profiles) and returns each message's
// role: nil where no version of the user's profile was current.
func rolesAsOf(t *testing.T, s *Session, dir string, messages ...string) map[int]any {
	t.Helper()
	msgs, out := filepath.Join(dir, "msgs.json"), filepath.Join(dir, "out.json")
	writeLines(t, msgs, messages...)
	runScript(t, s, "join.sql", fmt.Sprintf(`
CREATE SOURCE msgs (id BIGINT, username VARCHAR, ts BIGINT, event_time AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR event_time AS event_time) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE TABLE user_profiles (username VARCHAR, role VARCHAR, PRIMARY KEY (username) NOT ENFORCED)
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'db.user_profiles');
CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT m.id, m.username, p.role FROM msgs m
LEFT JOIN user_profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username;`, msgs, out))
	roles := map[int]any{}
	for _, r := range readJSONLines(t, out) {
		roles[int(r["id"].(float64))] = r["role"]
	}
	return roles
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
	got := rolesAsOf(t, s, dir,
		fmt.Sprintf(`{"id":1,"username":"alice","ts":%d}`, t1-1000), // before the first commit: no version
		fmt.Sprintf(`{"id":2,"username":"alice","ts":%d}`, t1),      // at the first commit
		fmt.Sprintf(`{"id":3,"username":"alice","ts":%d}`, t2-1),    // just before the second
		fmt.Sprintf(`{"id":4,"username":"bob","ts":%d}`, t2-1),
		fmt.Sprintf(`{"id":5,"username":"alice","ts":%d}`, t2),      // at the second
		fmt.Sprintf(`{"id":6,"username":"alice","ts":%d}`, t2+5000), // after
		fmt.Sprintf(`{"id":7,"username":"bob","ts":%d}`, t2+5000))
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
	// table properties: Flink's ALTER TABLE ... SET / RESET
	for _, q := range []string{
		"ALTER TABLE lake.chat.history SET ('commit.manifest-merge.enabled' = 'true', 'commit.manifest.min-count-to-merge' = '7');",
		"ALTER TABLE lake.chat.history RESET ('commit.manifest.min-count-to-merge', 'not.there');",
	} {
		if _, err := s.Exec(context.Background(), "props.sql", q); err != nil {
			t.Fatal(diag.FormatError(err))
		}
	}
	props := lakeTableOf(t, dataDir, "lake.chat.history").Properties()
	if props["commit.manifest-merge.enabled"] != "true" || props["commit.manifest.min-count-to-merge"] != "" {
		t.Fatalf("table properties after SET and RESET: %v", props)
	}
	// errors
	for _, tc := range []struct{ sql, want string }{
		{"CALL lake.system.rewrite_datafiles('chat.history');", "did you mean rewrite_data_files"},
		{"CALL lake.rewrite_data_files('chat.history');", "CALL <catalog>.system.<procedure>"},
		{"CALL nope.system.expire_snapshots('chat.history');", "unknown catalog 'nope'"},
		{"ALTER TABLE lake.chat.history ADD COLUMN score DOUBLE;", "already exists"},
		{"ALTER TABLE lake.chat.nope ADD COLUMN x INT;", "does not exist"},
		{"ALTER TABLE lake.chat.history SET ('chatsql.last-commit.x' = '1');", "e.sql:1:36: ALTER TABLE lake.chat.history: property 'chatsql.last-commit.x' is chatsql's own bookkeeping"},
		{"ALTER TABLE lake.chat.history RESET ();", "expected a property name"},
		{"ALTER TABLE lake.chat.history SET ();", "names no property"},
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

// logTail collects a session's log lines for a test to look at.
type logTail struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logTail) logf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	l.t.Log(s)
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// grep returns the lines that contain sub.
func (l *logTail) grep(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			out = append(out, s)
		}
	}
	return out
}

// TestLakeFilterPushedIntoScan: a WHERE on the partition column of a
// day-partitioned table reads only the matching day's file, and returns
// the rows it should; EXPLAIN shows what went into the scan.
func TestLakeFilterPushedIntoScan(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	logs := &logTail{t: t}
	s, err := New(Config{DataDir: dataDir, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := filepath.Join(dir, "in.json")
	var lines []string
	day0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 72; i++ { // one an hour for three days
		lines = append(lines, fmt.Sprintf(`{"id":%d,"username":"user%d","ts":%d}`, i, i%4, day0.Add(time.Duration(i)*time.Hour).UnixMilli()))
	}
	writeLines(t, in, lines...)
	runScript(t, s, "w.sql", fmt.Sprintf(`
CREATE SOURCE src (id BIGINT, username VARCHAR, ts BIGINT, event_time AS TO_TIMESTAMP_LTZ(ts, 3)) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE TABLE messages (id BIGINT, username VARCHAR, event_time TIMESTAMP_LTZ(3)) PARTITIONED BY (days(event_time))
  WITH ('connector' = 'iceberg', 'table' = 'chat.messages');
INSERT INTO messages SELECT id, username, event_time FROM src;`, in))
	if n := lakeTableOf(t, dataDir, "lake.chat.messages").CurrentSnapshot().Summary.Properties["added-data-files"]; n != "3" {
		t.Fatalf("%s data files written, want 3 (a day each)", n)
	}

	query := `SELECT id, username FROM chat.messages WHERE event_time >= TIMESTAMP '2024-01-03 00:00:00' AND username <> 'user0'`
	res, err := s.Exec(context.Background(), "explain.sql", "EXPLAIN "+query)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if !strings.Contains(res.Text, "scan-filter=(event_time >= '2024-01-03T00:00:00+00:00' AND username <> 'user0')") {
		t.Fatalf("EXPLAIN:\n%s", res.Text)
	}
	out := filepath.Join(dir, "out.json")
	runScript(t, s, "r.sql", fmt.Sprintf(`CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS %s;`, out, query))
	var got []int
	for _, r := range readJSONLines(t, out) {
		got = append(got, int(r["id"].(float64)))
	}
	sort.Ints(got)
	var want []int
	for i := 48; i < 72; i++ {
		if i%4 != 0 {
			want = append(want, i)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
	read := logs.grep("iceberg source 'lake.chat.messages': read ")
	if len(read) != 1 || !strings.Contains(read[0], "read 1 data files, 18 rows") {
		t.Fatalf("the scan: %v; want 1 data file (the third day) and its 18 rows of users other than user0", read)
	}
}

// TestLakeTemporalJoinSeesDeletes: rows deleted from a temporal join's
// Iceberg table end at the delete's commit — a message after it no longer
// finds the row, one before it still does — and compaction (CALL
// rewrite_data_files, a replace snapshot), before the delete or after it,
// changes nothing: no version moves, no gap.
func TestLakeTemporalJoinSeesDeletes(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	load := func(name string, lines ...string) {
		path := filepath.Join(dir, name+".json")
		writeLines(t, path, lines...)
		runScript(t, s, name+".sql", fmt.Sprintf(`
CREATE SOURCE %[2]s (username VARCHAR, role VARCHAR) WITH ('connector' = 'file', 'path' = '%[1]s', 'format' = 'json');
INSERT INTO lake.db.user_profiles SELECT username, role FROM %[2]s;`, path, name))
		time.Sleep(20 * time.Millisecond)
	}
	compact := func() {
		if _, err := s.Exec(ctx, "call.sql", "CALL lake.system.rewrite_data_files(table => 'db.user_profiles', options => map('min-input-files', '2'));"); err != nil {
			t.Fatal(diag.FormatError(err))
		}
		time.Sleep(20 * time.Millisecond)
	}
	load("v1", `{"username":"alice","role":"member"}`, `{"username":"bob","role":"member"}`, `{"username":"carol","role":"member"}`)
	load("v2", `{"username":"dave","role":"member"}`)
	compact()
	tx := lakeTableOf(t, dataDir, "lake.db.user_profiles").NewTransaction()
	if err := tx.Delete(ctx, iceberggo.EqualTo(iceberggo.Reference("username"), "bob"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	load("v3", `{"username":"erin","role":"member"}`)
	compact()
	snaps := lakeTableOf(t, dataDir, "lake.db.user_profiles").Metadata().Snapshots()
	var ops []string
	for _, sn := range snaps {
		ops = append(ops, string(sn.Summary.Operation))
	}
	if strings.Join(ops, ",") != "append,append,replace,delete,append,replace" {
		t.Fatalf("snapshots %v", ops)
	}
	t1, tR1, tDel, tR2 := snaps[0].TimestampMs, snaps[2].TimestampMs, snaps[3].TimestampMs, snaps[5].TimestampMs
	got := rolesAsOf(t, s, dir,
		fmt.Sprintf(`{"id":1,"username":"alice","ts":%d}`, t1),   // before the first compaction
		fmt.Sprintf(`{"id":2,"username":"alice","ts":%d}`, tR1),  // at it
		fmt.Sprintf(`{"id":3,"username":"bob","ts":%d}`, tDel-1), // before the delete
		fmt.Sprintf(`{"id":4,"username":"bob","ts":%d}`, tDel),   // at it
		fmt.Sprintf(`{"id":5,"username":"bob","ts":%d}`, tR2+10), // after the second compaction
		fmt.Sprintf(`{"id":6,"username":"carol","ts":%d}`, tDel), // kept by the delete's rewrite
		fmt.Sprintf(`{"id":7,"username":"alice","ts":%d}`, tR2),  // at the second compaction
		fmt.Sprintf(`{"id":8,"username":"erin","ts":%d}`, tR2-1), // added before it
		fmt.Sprintf(`{"id":9,"username":"dave","ts":%d}`, tR2+10))
	want := map[int]any{1: "member", 2: "member", 3: "member", 4: nil, 5: nil, 6: "member", 7: "member", 8: "member", 9: "member"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("roles by message %v, want %v", got, want)
	}
}

package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/diag"
)

// pyiceberg returns a Python interpreter that imports pyiceberg (with its
// SQLite catalog and pyarrow), or skips the test loudly. CHATSQL_PYTHON
// names the interpreter (.ci/test.sh installs pyiceberg in a venv and sets
// it); otherwise python3. Under CI=true a skipped TestIntegration* test
// fails the run (.ci/test.sh).
func pyiceberg(t *testing.T) string {
	t.Helper()
	py := os.Getenv("CHATSQL_PYTHON")
	if py == "" {
		py = "python3"
	}
	out, err := exec.Command(py, "-c", "import pyiceberg.catalog.sql, pyarrow, sqlalchemy, pyiceberg_core; print(pyiceberg.__version__)").CombinedOutput()
	if err != nil {
		t.Skipf("SKIPPED: pyiceberg is not available to %s (pip install 'pyiceberg[sql-sqlite,pyarrow,pyiceberg-core]', or set CHATSQL_PYTHON; .ci/test.sh installs it): %v: %s",
			py, err, strings.TrimSpace(string(out)))
	}
	t.Logf("pyiceberg %s (%s)", strings.TrimSpace(string(out)), py)
	return py
}

func runPython(t *testing.T, py string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(py, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", py, args, err, stderr.String())
	}
	return out
}

// TestIntegrationPyicebergReadsOurTable: a table chatsql wrote (partitioned
// by days(event_time), every type of the SQL surface) is read by pyiceberg,
// another Iceberg implementation, on the same catalog.db and warehouse:
// every row, the right types, the partitions and the snapshot summaries.
func TestIntegrationPyicebergReadsOurTable(t *testing.T) {
	py := pyiceberg(t)
	dir := t.TempDir()
	const n = 200
	var lines []string
	for i := 0; i < n; i++ {
		lines = append(lines, chatLine(i))
	}
	path := filepath.Join(dir, "chat.json")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	script := fmt.Sprintf(`
CREATE SOURCE chat (id BIGINT, username VARCHAR, text VARCHAR, type VARCHAR, preferredLanguage VARCHAR, `+"`timestamp`"+` BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`+"`timestamp`"+`, 0)) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE TABLE messages (id BIGINT, username VARCHAR, text VARCHAR, language VARCHAR, score DECIMAL(10, 2), n INT, ok BOOLEAN,
  ratio DOUBLE, event_time TIMESTAMP_LTZ(3), wall TIMESTAMP(3), d DATE, payload JSON)
  PARTITIONED BY (days(event_time)) WITH ('connector' = 'iceberg', 'table' = 'chat.messages');
INSERT INTO messages SELECT id, username, text, preferredLanguage, CAST(id AS DECIMAL(10, 2)) / 4, CAST(id %% 7 AS INT), id %% 2 = 0,
  id / 8.0, event_time, CAST(event_time AS TIMESTAMP(3)), CAST(event_time AS DATE), JSON_OBJECT('id', id, 'lang', preferredLanguage) FROM chat;
`, path)
	if _, err := s.ExecScript(ctx, "lake.sql", script); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dataDir)
	var got struct {
		Rows            []map[string]any  `json:"rows"`
		IcebergTypes    map[string]string `json:"iceberg_types"`
		ArrowTypes      map[string]string `json:"arrow_types"`
		Spec            []map[string]string
		PartitionValues []string            `json:"partition_values"`
		Snapshots       []map[string]string `json:"snapshots"`
	}
	out := runPython(t, py, "testdata/pyiceberg_read.py", abs, "chat.messages")
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got.Rows) != n {
		t.Fatalf("pyiceberg reads %d rows, want %d", len(got.Rows), n)
	}
	seen := map[int]bool{}
	for _, r := range got.Rows {
		id := int(r["id"].(float64))
		if seen[id] {
			t.Fatalf("id %d twice", id)
		}
		seen[id] = true
		et := time.Unix(1704067200+int64(id)*600, 0).UTC()
		want := map[string]any{
			"username": fmt.Sprintf("user%d", id%13), "text": fmt.Sprintf("message %d ✓", id),
			"language": []string{"es", "fr", "de"}[id%3], "score": fmt.Sprintf("%.2f", float64(id)/4), "n": float64(id % 7),
			"ok": id%2 == 0, "ratio": float64(id) / 8, "event_time": et.Format("2006-01-02T15:04:05+00:00"),
			"wall": et.Format("2006-01-02T15:04:05"), "d": et.Format("2006-01-02"),
			"payload": fmt.Sprintf(`{"id":%d,"lang":"%s"}`, id, []string{"es", "fr", "de"}[id%3]),
		}
		for k, v := range want {
			if r[k] != v {
				t.Fatalf("row %d: %s = %#v, want %#v (row %v)", id, k, r[k], v, r)
			}
		}
	}
	wantTypes := map[string]string{"id": "long", "username": "string", "text": "string", "language": "string", "score": "decimal(10, 2)",
		"n": "int", "ok": "boolean", "ratio": "double", "event_time": "timestamptz", "wall": "timestamp", "d": "date", "payload": "string"}
	for k, v := range wantTypes {
		if got.IcebergTypes[k] != v {
			t.Errorf("pyiceberg sees column %s as %s, want %s", k, got.IcebergTypes[k], v)
		}
	}
	if len(got.Spec) != 1 || got.Spec[0]["name"] != "event_time_day" || got.Spec[0]["transform"] != "day" {
		t.Errorf("partition spec %v", got.Spec)
	}
	if len(got.PartitionValues) != 2 { // 200 rows, 10 minutes apart: 2024-01-01 and -02
		t.Errorf("partitions %v, want 2 days", got.PartitionValues)
	}
	if len(got.Snapshots) == 0 {
		t.Fatal("no snapshot")
	}
	for _, sn := range got.Snapshots {
		if sn[iceberg.SummaryJob] != "insert-messages" || sn[iceberg.SummaryJobID] == "" || sn[iceberg.SummaryCheckpointID] == "" || sn["operation"] != "append" {
			t.Errorf("snapshot summary seen by pyiceberg: %v", sn)
		}
	}
	t.Logf("pyiceberg: %d rows, types %v, partitions %v, snapshots %v", len(got.Rows), got.IcebergTypes, got.PartitionValues, got.Snapshots)
}

// TestIntegrationPyicebergWrittenTable: a table pyiceberg wrote into the
// embedded catalog is read by chatsql through iceberg-go: every row and
// type, and INSERT INTO appends to it in its own schema.
func TestIntegrationPyicebergWrittenTable(t *testing.T) {
	py := pyiceberg(t)
	dataDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// the embedded catalog exists first (as it does in a chatsql data dir)
	c := iceberg.NewCatalogs(dataDir)
	defer c.Close()
	if _, err := c.Get(ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	runPython(t, py, "testdata/pyiceberg_write.py", dataDir)
	tbl, err := c.LoadTable(ctx, "lake.pyw.people")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := iceberg.ChatsqlSchema(tbl.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sc.Columns); !strings.Contains(got, "seen TIMESTAMP_LTZ") || !strings.Contains(got, "balance DECIMAL(10, 2)") {
		t.Logf("chatsql types: %s", got)
	}
	as, rows := lakeRows(t, tbl)
	if len(rows) != 100 || len(tbl.Metadata().Snapshots()) != 2 {
		t.Fatalf("%d rows, %d snapshots; want 100, 2", len(rows), len(tbl.Metadata().Snapshots()))
	}
	byID := map[int64]map[string]any{}
	for _, r := range rows {
		byID[r["id"].(int64)] = r
	}
	for i := int64(0); i < 100; i++ {
		r := byID[i]
		if r == nil {
			t.Fatalf("id %d missing", i)
		}
		seen := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Hour)
		name := any(fmt.Sprintf("person%d", i))
		if i%10 == 0 {
			name = nil
		}
		want := map[string]any{"name": name, "age": int32(i % 90), "score": float64(i) / 4, "active": i%2 == 0,
			"seen": seen.Format(time.RFC3339), "local": seen.Format("2006-01-02T15:04:05"),
			"born": time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(i)).Format("2006-01-02")}
		for k, v := range want {
			if fmt.Sprint(r[k]) != fmt.Sprint(v) {
				t.Fatalf("row %d: %s = %#v, want %#v", i, k, r[k], v)
			}
		}
		if b := fmt.Sprint(r["balance"]); b != fmt.Sprintf("%d.%02d", (i*100+5)/100, (i*100+5)%100) {
			t.Fatalf("row %d: balance %s", i, b)
		}
	}
	_ = as
	// chatsql appends to pyiceberg's table in pyiceberg's schema
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := filepath.Join(dataDir, "more.json")
	if err := os.WriteFile(path, []byte("{\"k\":1000}\n{\"k\":1001}\n{\"k\":1002}\n{\"k\":1003}\n{\"k\":1004}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecScript(ctx, "append.sql", `
CREATE SOURCE g (k BIGINT) WITH ('connector' = 'file', 'path' = '`+path+`', 'format' = 'json');
INSERT INTO lake.pyw.people (id, name, seen) SELECT k, 'chatsql', TO_TIMESTAMP_LTZ(1704067200, 0) FROM g;`); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(runPython(t, py, "testdata/pyiceberg_read.py", dataDir, "pyw.people"), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 105 {
		t.Fatalf("pyiceberg reads %d rows after chatsql's append, want 105", len(got.Rows))
	}
}

// TestIntegrationPyicebergDeletesInTemporalJoin: pyiceberg deletes rows of
// a table (a file rewritten without a row, a file dropped whole) and
// overwrites a row with a new value; a temporal join on the table by its
// qualified name (the key is its identifier field) sees each row until
// its delete's commit and the new value from the overwrite's append; our
// compaction of the table afterwards changes nothing.
func TestIntegrationPyicebergDeletesInTemporalJoin(t *testing.T) {
	py := pyiceberg(t)
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := iceberg.NewCatalogs(dataDir)
	defer c.Close()
	if _, err := c.Get(ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	var snaps []struct {
		ID int64  `json:"id"`
		TS int64  `json:"ts"`
		Op string `json:"op"`
	}
	if err := json.Unmarshal(runPython(t, py, "testdata/pyiceberg_deletes.py", dataDir), &snaps); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, sn := range snaps {
		ops = append(ops, sn.Op)
	}
	// pyiceberg's overwrite is two commits: the rewrite without carol's
	// row, then the append of the new one
	if strings.Join(ops, ",") != "append,append,overwrite,delete,overwrite,append" {
		t.Fatalf("pyiceberg's snapshots: %v", ops)
	}
	tBob, tErin, tCarolGone, tCarolNew := snaps[2].TS, snaps[3].TS, snaps[4].TS, snaps[5].TS

	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// and our compaction: a replace snapshot, which changes no row
	time.Sleep(20 * time.Millisecond)
	if _, err := s.Exec(ctx, "call.sql", "CALL lake.system.rewrite_data_files(table => 'pyd.profiles', options => map('min-input-files', '2'));"); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	tbl, err := c.LoadTable(ctx, "lake.pyd.profiles")
	if err != nil {
		t.Fatal(err)
	}
	repl := tbl.CurrentSnapshot()
	if repl.Summary.Operation != "replace" {
		t.Fatalf("compaction made a %s snapshot", repl.Summary.Operation)
	}
	msgs := filepath.Join(dir, "msgs.json")
	writeLines(t, msgs,
		fmt.Sprintf(`{"id":1,"username":"bob","ts":%d}`, tBob-1),
		fmt.Sprintf(`{"id":2,"username":"bob","ts":%d}`, tBob),
		fmt.Sprintf(`{"id":3,"username":"erin","ts":%d}`, tErin-1),
		fmt.Sprintf(`{"id":4,"username":"erin","ts":%d}`, tErin),
		fmt.Sprintf(`{"id":5,"username":"carol","ts":%d}`, tCarolGone-1),
		fmt.Sprintf(`{"id":6,"username":"carol","ts":%d}`, tCarolGone),
		fmt.Sprintf(`{"id":7,"username":"carol","ts":%d}`, tCarolNew),
		fmt.Sprintf(`{"id":8,"username":"alice","ts":%d}`, repl.TimestampMs),
		fmt.Sprintf(`{"id":9,"username":"carol","ts":%d}`, repl.TimestampMs+1000))
	out := filepath.Join(dir, "out.json")
	if _, err := s.ExecScript(ctx, "join.sql", fmt.Sprintf(`
CREATE SOURCE msgs (id BIGINT, username VARCHAR, ts BIGINT, event_time AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR event_time AS event_time) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT m.id, m.username, p.role FROM msgs m
LEFT JOIN lake.pyd.profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username;`, msgs, out)); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[int]any{}
	for _, r := range readJSONLines(t, out) {
		got[int(r["id"].(float64))] = r["role"]
	}
	want := map[int]any{1: "member", 2: nil, 3: "member", 4: nil, 5: "member", 6: nil, 7: "admin", 8: "member", 9: "admin"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("roles by message %v, want %v", got, want)
	}
}

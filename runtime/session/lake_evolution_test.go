package session

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
)

// Iceberg tables changing under running jobs: a declared PRIMARY KEY as
// the identifier fields of the table a sink creates, and a column added
// while a streaming sink writes the table.

// TestLakeDeclaredKeyBecomesIdentifierFields: CREATE TABLE ... PRIMARY KEY
// (username) NOT ENFORCED WITH ('connector' = 'iceberg') makes the key the
// identifier fields of the table the sink creates (a required column), so
// that another session joins the table FOR SYSTEM_TIME AS OF by its
// qualified name, without declaring it. A key Iceberg does not allow is a
// positioned error.
func TestLakeDeclaredKeyBecomesIdentifierFields(t *testing.T) {
	dataDir := writeKeyedProfiles(t)
	tbl := lakeTableOf(t, dataDir, "lake.db.user_profiles")
	if got := iceberg.IdentifierFields(tbl.Schema()); strings.Join(got, ",") != "username" {
		t.Fatalf("identifier fields %v, want [username]", got)
	}
	for _, f := range tbl.Schema().Fields() {
		if f.Required != (f.Name == "username") {
			t.Fatalf("column %s: required = %v", f.Name, f.Required)
		}
	}
	commit := tbl.CurrentSnapshot().TimestampMs

	// another session, no CREATE TABLE: the qualified name has a key
	dir := t.TempDir()
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msgs, out := filepath.Join(dir, "msgs.json"), filepath.Join(dir, "out.json")
	writeLines(t, msgs,
		fmt.Sprintf(`{"id":1,"username":"alice","ts":%d}`, commit+1000),
		fmt.Sprintf(`{"id":2,"username":"bob","ts":%d}`, commit+1000),
		fmt.Sprintf(`{"id":3,"username":"carol","ts":%d}`, commit+1000))
	runScript(t, s, "join.sql", fmt.Sprintf(`
CREATE SOURCE msgs (id BIGINT, username VARCHAR, ts BIGINT, event_time AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR event_time AS event_time) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT m.id, p.role FROM msgs m
LEFT JOIN lake.db.user_profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username;`, msgs, out))
	got := map[int]any{}
	for _, r := range readJSONLines(t, out) {
		got[int(r["id"].(float64))] = r["role"]
	}
	if want := map[int]any{1: "admin", 2: "member", 3: nil}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("roles by message %v, want %v", got, want)
	}

	for _, tc := range []struct{ sql, want string }{
		{"CREATE TABLE t1 (score DOUBLE, n INT, PRIMARY KEY (score) NOT ENFORCED) WITH ('connector' = 'iceberg', 'table' = 'db.t1')",
			"PRIMARY KEY column 'score' is DOUBLE"},
		{"CREATE TABLE t2 (n INT, m AS n + 1, PRIMARY KEY (m) NOT ENFORCED) WITH ('connector' = 'iceberg', 'table' = 'db.t2')",
			"PRIMARY KEY column 'm' of an Iceberg table is not stored"},
	} {
		_, err := s.Exec(context.Background(), "bad.sql", tc.sql)
		if err == nil || !strings.Contains(diag.FormatError(err), tc.want) || !strings.Contains(diag.FormatError(err), "bad.sql:1:") {
			t.Errorf("%s: %v, want a positioned %q", tc.sql, err, tc.want)
		}
	}
}

// writeKeyedProfiles writes lake.db.user_profiles through a CREATE TABLE
// with a PRIMARY KEY (alice a member, then an admin; bob a member) and
// returns the data directory.
func writeKeyedProfiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := filepath.Join(dir, "profiles.json")
	writeLines(t, in, `{"username":"alice","role":"member"}`, `{"username":"bob","role":"member"}`, `{"username":null,"role":"ghost"}`,
		`{"username":"alice","role":"admin"}`)
	runScript(t, s, "profiles.sql", fmt.Sprintf(`
CREATE SOURCE p (username VARCHAR, role VARCHAR) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE TABLE user_profiles (username VARCHAR, role VARCHAR, PRIMARY KEY (username) NOT ENFORCED)
  WITH ('connector' = 'iceberg', 'table' = 'db.user_profiles');
INSERT INTO user_profiles SELECT username, role FROM p;`, in))
	return dataDir
}

// addColumnWhileSinkRuns: a job streams Kafka into lake.chat.x and commits;
// ALTER TABLE adds column c while it runs; the job goes on committing rows
// of its old columns; a second job writes rows with c; the first job
// commits again. Returns the data directory once the table holds every
// row (300; c set on ids 200..249).
func addColumnWhileSinkRuns(t *testing.T) string {
	t.Helper()
	br := kafkatest.NewKfake(t)
	ta, tb := kafkatest.Topic(t, "evo-a"), kafkatest.Topic(t, "evo-b")
	kafkatest.CreateTopic(t, br, ta, 1)
	kafkatest.CreateTopic(t, br, tb, 1)
	dataDir := t.TempDir()
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf,
		Settings: map[string]string{"kafka.brokers": br, "execution.checkpointing.interval": "300 ms"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	rows := func(from, to int, withC bool) []string {
		var out []string
		for i := from; i < to; i++ {
			m := map[string]any{"id": i, "username": fmt.Sprintf("user%d", i%7), "text": fmt.Sprintf("message %d", i)}
			if withC {
				m["c"] = fmt.Sprintf("c-%d", i)
			}
			b, _ := json.Marshal(m)
			out = append(out, string(b))
		}
		return out
	}
	if _, err := s.ExecScript(ctx, "first.sql", fmt.Sprintf(`
CREATE SOURCE a (id BIGINT, username VARCHAR, text VARCHAR)
  WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
INSERT INTO lake.chat.x SELECT id, username, text FROM a;`, ta)); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	kafkatest.ProduceValues(t, br, ta, rows(0, 100, false)...)
	waitLake(t, dataDir, "lake.chat.x", 100, 30*time.Second)

	if _, err := s.Exec(ctx, "alter.sql", "ALTER TABLE lake.chat.x ADD COLUMN c STRING;"); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	altered := lakeTableOf(t, dataDir, "lake.chat.x").Metadata().LastUpdatedMillis()
	kafkatest.ProduceValues(t, br, ta, rows(100, 200, false)...)
	waitLake(t, dataDir, "lake.chat.x", 200, 30*time.Second)

	if _, err := s.ExecScript(ctx, "second.sql", fmt.Sprintf(`
CREATE SOURCE b (id BIGINT, username VARCHAR, text VARCHAR, c VARCHAR)
  WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE SINK with_c WITH ('connector' = 'iceberg', 'table' = 'chat.x') AS SELECT id, username, text, c FROM b;`, tb)); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	kafkatest.ProduceValues(t, br, tb, rows(200, 250, true)...)
	kafkatest.ProduceValues(t, br, ta, rows(250, 300, false)...)
	waitLake(t, dataDir, "lake.chat.x", 300, 30*time.Second)

	// the first job committed after the ALTER, and its commits kept the new schema
	tbl := lakeTableOf(t, dataDir, "lake.chat.x")
	after := 0
	for _, sn := range tbl.Metadata().Snapshots() {
		if sn.TimestampMs > altered && sn.Summary.Properties[iceberg.SummaryJob] == "insert-lake.chat.x" {
			after++
			if sn.SchemaID == nil || *sn.SchemaID != 1 {
				t.Fatalf("snapshot %d of the first job, after the ALTER, names schema %v, want 1 (the current one)", sn.SnapshotID, sn.SchemaID)
			}
		}
	}
	if after < 2 {
		t.Fatalf("%d commits of the first job after the ALTER, want at least 2", after)
	}
	if f, ok := tbl.Schema().FindFieldByName("c"); !ok || tbl.Schema().ID != 1 || len(tbl.Metadata().Schemas()) != 2 {
		t.Fatalf("schema after the commits: %v (id %d of %d), c: %v", tbl.Schema(), tbl.Schema().ID, len(tbl.Metadata().Schemas()), f)
	}
	return dataDir
}

// checkEvolvedRows checks rows of lake.chat.x (id, c): 300 ids once, c
// NULL but on ids 200..249.
func checkEvolvedRows(t *testing.T, who string, ids []int64, cs []any) {
	t.Helper()
	if len(ids) != 300 {
		t.Fatalf("%s: %d rows, want 300", who, len(ids))
	}
	seen := map[int64]bool{}
	for i, id := range ids {
		if seen[id] || id < 0 || id >= 300 {
			t.Fatalf("%s: id %d twice or unknown", who, id)
		}
		seen[id] = true
		want := any(nil)
		if id >= 200 && id < 250 {
			want = fmt.Sprintf("c-%d", id)
		}
		if fmt.Sprint(cs[i]) != fmt.Sprint(want) {
			t.Fatalf("%s: row %d has c = %v, want %v", who, id, cs[i], want)
		}
	}
}

// TestLakeAddColumnWhileSinkRuns: a column added while a streaming sink
// writes the table: the sink goes on committing (on the new metadata, its
// files written with the columns it knows); a second job writes the new
// column; old rows read c as NULL and new rows their c, in DuckDB (the
// REPL's SELECT), in a bounded streaming read and through iceberg-go.
func TestLakeAddColumnWhileSinkRuns(t *testing.T) {
	dataDir := addColumnWhileSinkRuns(t)
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	// DuckDB
	res, err := s.Exec(ctx, "adhoc", "SELECT id, c FROM lake.chat.x ORDER BY id")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if res.Kind != ResultTable {
		t.Fatalf("not a DuckDB result: %v", res)
	}
	var ids []int64
	var cs []any
	for _, r := range res.Rows {
		var id int64
		fmt.Sscan(r[0], &id)
		ids = append(ids, id)
		if r[1] == "NULL" || r[1] == "" {
			cs = append(cs, nil)
		} else {
			cs = append(cs, r[1])
		}
	}
	checkEvolvedRows(t, "DuckDB", ids, cs)
	// a bounded streaming read of the qualified name
	out := filepath.Join(t.TempDir(), "out.json")
	runScript(t, s, "read.sql", fmt.Sprintf(`
CREATE SINK out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS SELECT id, c FROM lake.chat.x;`, out))
	ids, cs = nil, nil
	for _, r := range readJSONLines(t, out) {
		ids = append(ids, int64(r["id"].(float64)))
		cs = append(cs, r["c"])
	}
	checkEvolvedRows(t, "streaming read", ids, cs)
	// iceberg-go
	_, rows := lakeRows(t, lakeTableOf(t, dataDir, "lake.chat.x"))
	ids, cs = nil, nil
	for _, r := range rows {
		ids = append(ids, r["id"].(int64))
		cs = append(cs, r["c"])
	}
	checkEvolvedRows(t, "iceberg-go", ids, cs)
}

// pyicebergTable reads namespace.table of dataDir's lake with pyiceberg:
// its rows and its schema's identifier fields.
func pyicebergTable(t *testing.T, py, dataDir, ident string) (rows []map[string]any, identifierFields []string) {
	t.Helper()
	const script = `
import json, sys
from pyiceberg.catalog.sql import SqlCatalog
data_dir, ident = sys.argv[1], sys.argv[2]
cat = SqlCatalog("lake", uri=f"sqlite:///{data_dir}/catalog.db", warehouse=f"file://{data_dir}/warehouse")
tbl = cat.load_table(ident)
sc = tbl.schema()
json.dump({"rows": tbl.scan().to_arrow().to_pylist(),
           "identifier_fields": [sc.find_column_name(i) for i in sc.identifier_field_ids]}, sys.stdout, default=str)
`
	abs, _ := filepath.Abs(dataDir)
	var got struct {
		Rows             []map[string]any `json:"rows"`
		IdentifierFields []string         `json:"identifier_fields"`
	}
	out := runPython(t, py, "-c", script, abs, ident)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return got.Rows, got.IdentifierFields
}

// TestIntegrationPyicebergEvolvedTable: pyiceberg reads what the tests
// above wrote: the identifier fields of a table created with a PRIMARY
// KEY, and a table whose column was added while a sink wrote it (old rows
// with c NULL, new rows with c).
func TestIntegrationPyicebergEvolvedTable(t *testing.T) {
	py := pyiceberg(t)
	rows, key := pyicebergTable(t, py, writeKeyedProfiles(t), "db.user_profiles")
	if strings.Join(key, ",") != "username" || len(rows) != 3 {
		t.Fatalf("pyiceberg: identifier fields %v, %d rows %v", key, len(rows), rows)
	}
	rows, _ = pyicebergTable(t, py, addColumnWhileSinkRuns(t), "chat.x")
	var ids []int64
	var cs []any
	for _, r := range rows {
		ids = append(ids, int64(r["id"].(float64)))
		cs = append(cs, r["c"])
	}
	checkEvolvedRows(t, "pyiceberg", ids, cs)
}

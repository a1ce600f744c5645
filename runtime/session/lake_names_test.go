package session

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/planner/diag"
)

// sortedRows renders the rows of a JSON lines file, one "k=v ..." per row
// with the keys in order, sorted.
func sortedRows(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, r := range readJSONLines(t, path) {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%v ", k, r[k])
		}
		out = append(out, strings.TrimSpace(b.String()))
	}
	sort.Strings(out)
	return out
}

// appendJSON commits the rows of a JSON array to tbl.
func appendJSON(t *testing.T, tbl *table.Table, rows string) {
	t.Helper()
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, n, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	at := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer at.Release()
	if _, err := tbl.AppendTable(context.Background(), at, n+1, nil); err != nil {
		t.Fatal(err)
	}
}

// TestLakeThreePartNames: streaming queries read Iceberg tables by
// catalog.namespace.table: a job writes lake.chat.t, a second job reads
// `FROM lake.chat.t` into a file sink (INSERT INTO, CREATE SINK ... AS,
// through a view, backquoted and aliased); a temporal join and a
// subquery read lake.chat.profiles by its three-part name; a second
// catalog, hist (CREATE CATALOG), is read as hist.db.t by a streaming job,
// by EXPLAIN and by the REPL's SELECT (DuckDB). Names that name nothing
// are positioned errors with the closest name as a hint.
func TestLakeThreePartNames(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{DataDir: filepath.Join(dir, "data"), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	in := filepath.Join(dir, "in.json")
	writeLines(t, in, `{"user_id":"alice","n":1}`, `{"user_id":"bob","n":2}`, `{"user_id":"carol","n":3}`, `{"user_id":"alice","n":4}`)
	runScript(t, s, "write.sql", fmt.Sprintf(`
CREATE SOURCE in1 (user_id VARCHAR, n BIGINT) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO lake.chat.t SELECT user_id, n FROM in1;`, in))
	// lake.chat.profiles is keyed by username (its identifier field)
	lake, err := s.Catalogs().Get(ctx, "lake")
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := lake.CreateTable(ctx, []string{"chat", "profiles"}, iceberggo.NewSchemaWithIdentifiers(0, []int{1},
		iceberggo.NestedField{ID: 1, Name: "username", Type: iceberggo.PrimitiveTypes.String, Required: true},
		iceberggo.NestedField{ID: 2, Name: "role", Type: iceberggo.PrimitiveTypes.String}))
	if err != nil {
		t.Fatal(err)
	}
	appendJSON(t, profiles, `[{"username": "alice", "role": "admin"}, {"username": "bob", "role": "member"}]`)

	// reads by the three-part name, bounded (the current snapshot)
	out1, out2, out3 := filepath.Join(dir, "out1.json"), filepath.Join(dir, "out2.json"), filepath.Join(dir, "out3.json")
	runScript(t, s, "read.sql", fmt.Sprintf(`
CREATE TABLE out1 (user_id VARCHAR, n BIGINT) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO out1 SELECT user_id, n FROM lake.chat.t;
CREATE VIEW big AS SELECT x.user_id, x.n FROM `+"`lake`.`chat`.`t`"+` AS x WHERE x.n >= 3;
CREATE SINK out2 WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT user_id, n * 10 AS n10 FROM big;
CREATE SINK out3 WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT t.user_id, t.n FROM lake.chat.t
WHERE EXISTS (SELECT 1 FROM lake.chat.profiles WHERE profiles.username = t.user_id AND profiles.role = 'admin');`, out1, out2, out3))
	if got, want := strings.Join(sortedRows(t, out1), "; "), "n=1 user_id=alice; n=2 user_id=bob; n=3 user_id=carol; n=4 user_id=alice"; got != want {
		t.Errorf("INSERT INTO out1 ... FROM lake.chat.t:\n got %s\nwant %s", got, want)
	}
	if got, want := strings.Join(sortedRows(t, out2), "; "), "n10=30 user_id=carol; n10=40 user_id=alice"; got != want {
		t.Errorf("through a view over `lake`.`chat`.`t`:\n got %s\nwant %s", got, want)
	}
	if got, want := strings.Join(sortedRows(t, out3), "; "), "n=1 user_id=alice; n=4 user_id=alice"; got != want {
		t.Errorf("EXISTS (SELECT 1 FROM lake.chat.profiles ...):\n got %s\nwant %s", got, want)
	}

	// a temporal join against the three-part name: the messages' times are
	// after the profiles' commit, so each sees the committed role
	msgs, joined := filepath.Join(dir, "msgs.json"), filepath.Join(dir, "joined.json")
	later := time.Now().Add(time.Hour).UnixMilli()
	writeLines(t, msgs, fmt.Sprintf(`{"id":1,"username":"alice","ts":%d}`, later),
		fmt.Sprintf(`{"id":2,"username":"bob","ts":%d}`, later), fmt.Sprintf(`{"id":3,"username":"dave","ts":%d}`, later))
	runScript(t, s, "join.sql", fmt.Sprintf(`
CREATE SOURCE msgs (id BIGINT, username VARCHAR, ts BIGINT, event_time AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR event_time AS event_time) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE SINK joined WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT m.id, p.role FROM msgs AS m
LEFT JOIN lake.chat.profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username;`, msgs, joined))
	if got, want := strings.Join(sortedRows(t, joined), "; "), "id=1 role=admin; id=2 role=member; id=3 role=<nil>"; got != want {
		t.Errorf("JOIN lake.chat.profiles FOR SYSTEM_TIME AS OF:\n got %s\nwant %s", got, want)
	}

	// a second catalog, read as hist.db.t
	histOut := filepath.Join(dir, "hist.json")
	if _, err := s.Exec(ctx, "cat.sql", fmt.Sprintf(`CREATE CATALOG hist WITH ('type' = 'iceberg', 'catalog-type' = 'sql', 'uri' = 'sqlite:///%s', 'warehouse' = '%s');`,
		filepath.Join(dir, "hist.db"), filepath.Join(dir, "hist-wh"))); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	runScript(t, s, "hist.sql", `INSERT INTO hist.db.t SELECT user_id, n FROM in1 WHERE n <= 2;`)
	runScript(t, s, "hist-read.sql", fmt.Sprintf(`
CREATE SINK hist_out WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT UPPER(user_id) AS u FROM hist.db.t;`, histOut))
	if got, want := strings.Join(sortedRows(t, histOut), "; "), "u=ALICE; u=BOB"; got != want {
		t.Errorf("FROM hist.db.t:\n got %s\nwant %s", got, want)
	}
	res, err := s.Exec(ctx, "explain.sql", "EXPLAIN SELECT user_id FROM hist.db.t AS h WHERE h.n > 1;")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if !strings.Contains(res.Text, "hist.db.t") {
		t.Errorf("EXPLAIN does not name hist.db.t:\n%s", res.Text)
	}
	// the REPL's SELECT on a three-part name is an ad hoc query (DuckDB
	// SQL, whose quoted names are "double-quoted")
	for _, q := range []string{"SELECT count(*) AS c FROM hist.db.t", `SELECT count(*) AS c FROM "hist"."db"."t" AS x`} {
		res, err = s.Exec(ctx, "adhoc", q)
		if err != nil {
			t.Fatalf("%s: %s", q, diag.FormatError(err))
		}
		if res.Kind != ResultTable || len(res.Rows) != 1 || res.Rows[0][0] != "2" {
			t.Errorf("%s: %v %v", q, res.Columns, res.Rows)
		}
	}

	// ... unless it also reads the session's sources or joins FOR
	// SYSTEM_TIME AS OF a stream's time: then it is a streaming SELECT
	for q, want := range map[string]string{
		"SELECT m.id FROM msgs AS m WHERE EXISTS (SELECT 1 FROM lake.chat.profiles WHERE profiles.username = m.username)":            "1, 2",
		"SELECT m.id, p.role FROM msgs m JOIN lake.chat.profiles FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.username": "1 admin, 2 member",
	} {
		res, err = s.Exec(ctx, "repl", q)
		if err != nil {
			t.Fatalf("%s: %s", q, diag.FormatError(err))
		}
		if res.Kind != ResultStream {
			t.Fatalf("%s: %v, want a streaming SELECT", q, res.Kind)
		}
		var got []string
		for batch := range res.Stream.Rows {
			for _, r := range batch {
				var cells []string
				for _, v := range r {
					cells = append(cells, v.String())
				}
				got = append(got, strings.Join(cells, " "))
			}
		}
		if err := res.Stream.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		sort.Strings(got)
		if strings.Join(got, ", ") != want {
			t.Errorf("%s: rows %q, want %q", q, got, want)
		}
	}

	// names that name nothing
	for _, c := range []struct {
		sql  string
		kind error
		want string // in the formatted error
	}{
		{"CREATE SINK e1 WITH ('connector' = 'file', 'path' = '/dev/null', 'format' = 'json') AS\nSELECT n FROM hist.db.tt;", diag.ErrUnknownName,
			"e.sql:2:15: Iceberg table 'hist.db.tt' does not exist\n" +
				"  2 | SELECT n FROM hist.db.tt;\n" +
				"    |               ^\n" +
				"hint: did you mean 'hist.db.t'?"},
		{"INSERT INTO out1 SELECT user_id, n FROM lake.chta.t;", diag.ErrUnknownName, "did you mean 'lake.chat.t'?"},
		{"CREATE SINK e2 WITH ('connector' = 'file', 'path' = '/dev/null', 'format' = 'json') AS\nSELECT n FROM hsit.db.t;", diag.ErrUnknownName,
			"e.sql:2:15: unknown catalog 'hsit'\n  2 | SELECT n FROM hsit.db.t;\n" +
				"    |               ^\nhint: did you mean 'hist'?"},
		{"SELECT n FROM hsit.db.t;", diag.ErrUnknownName, "did you mean 'hist'?"},
		{"INSERT INTO out1 SELECT user_id, n FROM lake.chat.t.x;", diag.ErrSemantic, "'lake.chat.t.x' has 4 parts"},
		// an INSERT's target follows the same rules: a mistyped catalog
		// creates no table under a namespace named after it
		{"INSERT INTO hsit.db.t2 SELECT n FROM lake.chat.t;", diag.ErrUnknownName,
			"e.sql:1:13: unknown catalog 'hsit' in 'hsit.db.t2'\n  1 | INSERT INTO hsit.db.t2 SELECT n FROM lake.chat.t;\n" +
				"    |             ^\nhint: did you mean 'hist'?"},
		{"INSERT INTO lake.chat.sub.t2 SELECT n FROM lake.chat.t;", diag.ErrSemantic, "'lake.chat.sub.t2' has 4 parts: a table is named catalog.namespace.table"},
		{"CREATE SINK e3 WITH ('connector' = 'file', 'path' = '/dev/null', 'format' = 'json') AS SELECT m.id FROM msgs AS m JOIN hist.db.nope FOR SYSTEM_TIME AS OF m.event_time AS p ON m.username = p.user_id;",
			diag.ErrUnknownName, "Iceberg table 'hist.db.nope' does not exist"},
	} {
		_, err := s.Exec(ctx, "e.sql", c.sql)
		if err == nil {
			t.Errorf("%s: no error", c.sql)
			continue
		}
		if got := diag.FormatError(err); !errors.Is(err, c.kind) || !strings.Contains(got, c.want) {
			t.Errorf("%s:\n got %s\nwant %v containing %q", c.sql, got, c.kind, c.want)
		}
	}
}

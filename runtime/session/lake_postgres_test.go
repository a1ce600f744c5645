package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/connectors/iceberg/pgtest"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
)

// writeChat writes n chat lines (chatLine) to dir/name and returns the path.
func writeChat(t *testing.T, dir, name string, from, n int) string {
	t.Helper()
	var lines []string
	for i := from; i < from+n; i++ {
		lines = append(lines, chatLine(i))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const chatSourceCols = "id BIGINT, username VARCHAR, text VARCHAR, type VARCHAR, preferredLanguage VARCHAR, `timestamp` BIGINT, " +
	"event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0)"

// pgCatalogRows is the catalog's rows in Postgres: table_namespace.table_name
// -> metadata_location, for catalog name.
func pgCatalogRows(t *testing.T, dbURL, name string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := map[string]string{}
	rows, err := conn.Query(ctx, "SELECT table_namespace, table_name, metadata_location FROM iceberg_tables WHERE catalog_name = $1", name)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") { // no catalog tables yet
			return out
		}
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns, tb, loc string
		if err := rows.Scan(&ns, &tb, &loc); err != nil {
			t.Fatal(err)
		}
		out[ns+"."+tb] = loc
	}
	return out
}

func waitJobs(t *testing.T, s *Session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
}

func execOK(t *testing.T, s *Session, name, script string) []Result {
	t.Helper()
	rs, err := s.ExecScript(context.Background(), name, script)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	return rs
}

// TestIntegrationPostgresCatalogSinkAndRead: CREATE CATALOG on PostgreSQL
// (Flink's JDBC form: jdbc:postgresql://... with 'jdbc.user' /
// 'jdbc.password'); a sink job creates the namespace and the table and
// writes every row; the table is read back by iceberg-go, by a bounded
// streaming query (the Iceberg source) and ad hoc by DuckDB; SHOW TABLES
// and SHOW CATALOGS show it (no password); another session on another data
// directory reaches the same catalog with the postgres:// form.
func TestIntegrationPostgresCatalogSinkAndRead(t *testing.T) {
	dbURL := pgtest.Database(t)
	host, db, user, password := pgtest.Parts(t, dbURL)
	dir := t.TempDir()
	wh := filepath.Join(dir, "warehouse")
	const n = 300
	path := writeChat(t, dir, "chat.json", 0, n)
	s, err := New(Config{DataDir: filepath.Join(dir, "data"), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	execOK(t, s, "pg.sql", fmt.Sprintf(`
CREATE CATALOG pg WITH ('type' = 'iceberg', 'catalog-type' = 'jdbc', 'uri' = 'jdbc:postgresql://%s/%s',
  'jdbc.user' = '%s', 'jdbc.password' = '%s', 'warehouse' = '%s');
CREATE SOURCE chat (%s) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO pg.chat.messages SELECT id, username, text, preferredLanguage AS language, event_time FROM chat;
`, host, db, user, password, wh, chatSourceCols, path))
	waitJobs(t, s)

	// iceberg-go through the session's catalog
	tbl, err := s.Catalogs().LoadTable(ctx, "pg.chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	_, rows := lakeRows(t, tbl)
	if ids := idsOf(t, rows); len(ids) != n || ids[0] != 0 || ids[n-1] != n-1 {
		t.Fatalf("%d rows (want %d, ids 0..%d)", len(ids), n, n-1)
	}
	// the catalog is in Postgres, the files in the warehouse
	if loc := pgCatalogRows(t, dbURL, "pg")["chat.messages"]; !strings.HasPrefix(loc, "file://"+wh+"/") {
		t.Fatalf("iceberg_tables: metadata_location %q, want under %s", loc, wh)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "catalog.db")); err == nil {
		t.Log("(the embedded catalog was opened too)")
	}

	// bounded streaming read through the Iceberg source
	out := filepath.Join(dir, "even.json")
	execOK(t, s, "read.sql", fmt.Sprintf(`
CREATE TABLE hist (id BIGINT, username VARCHAR, language VARCHAR)
  WITH ('connector' = 'iceberg', 'catalog' = 'pg', 'table' = 'chat.messages');
CREATE SINK even WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
SELECT id, username FROM hist WHERE id %% 2 = 0;
`, out))
	waitJobs(t, s)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "\n"); got != n/2 {
		t.Fatalf("the Iceberg source read %d even rows, want %d", got, n/2)
	}

	// ad hoc (DuckDB)
	r, err := s.Exec(ctx, "q", "SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM pg.chat.messages")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if got := strings.Join(r.Rows[0], ","); got != fmt.Sprintf("%d,%d,0,%d", n, n, n-1) {
		t.Fatalf("ad hoc: %v %v", r.Columns, r.Rows)
	}

	// SHOW TABLES, SHOW CATALOGS
	for _, from := range []string{"pg.chat", "pg"} {
		r, err := s.Exec(ctx, "show", "SHOW TABLES FROM "+from)
		if err != nil {
			t.Fatal(diag.FormatError(err))
		}
		if len(r.Rows) != 1 || strings.Join(r.Rows[0], ".") != "pg.chat.messages" {
			t.Fatalf("SHOW TABLES FROM %s: %v", from, r.Rows)
		}
	}
	r, err = s.Exec(ctx, "show", "SHOW CATALOGS")
	if err != nil {
		t.Fatal(err)
	}
	var pgRow []string
	for _, row := range r.Rows {
		if row[0] == "pg" {
			pgRow = row
		}
	}
	if pgRow == nil || pgRow[1] != "sql" || pgRow[2] != "file://"+wh || !strings.Contains(pgRow[3], host+"/"+db) || pgRow[4] != "CREATE CATALOG" {
		t.Fatalf("SHOW CATALOGS: %v %v", r.Columns, r.Rows)
	}
	if password != "" && strings.Contains(strings.Join(pgRow, " "), ":"+password+"@") {
		t.Fatalf("SHOW CATALOGS shows the password: %v", pgRow)
	}

	// another session, another data directory, the postgres:// form
	s2, err := New(Config{DataDir: filepath.Join(dir, "data2"), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	execOK(t, s2, "pg2.sql", fmt.Sprintf(`CREATE CATALOG pg WITH ('type' = 'iceberg', 'uri' = '%s', 'warehouse' = '%s');`, dbURL, wh))
	r, err = s2.Exec(ctx, "q", "SELECT count(*) FROM pg.chat.messages WHERE language = 'es'")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if got := r.Rows[0][0]; got != strconv.Itoa(n/3) {
		t.Fatalf("second session: %s Spanish rows, want %d", got, n/3)
	}
}

// TestIntegrationPostgresCatalogSettings: the catalog.<name>.<option>
// settings point 'lake' at Postgres (and back with RESET), define a
// catalog of their own, are listed by SET without the password, and give
// positioned errors for unknown options, bad values and an incomplete
// catalog. A job that is running keeps the catalog it was planned with.
func TestIntegrationPostgresCatalogSettings(t *testing.T) {
	dbURL := pgtest.Database(t)
	host, db, user, password := pgtest.Parts(t, dbURL)
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	pgWh := filepath.Join(dir, "pgwarehouse")
	br := kafkatest.NewKfake(t)
	in := kafkatest.Topic(t, "pgset-in")
	kafkatest.CreateTopic(t, br, in, 1)
	produce := func(from, n int) {
		var vals []string
		for i := from; i < from+n; i++ {
			vals = append(vals, chatLine(i))
		}
		kafkatest.ProduceValues(t, br, in, vals...)
	}
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf, Settings: map[string]string{"kafka.brokers": br}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	// a streaming job into the embedded lake (SQLite)
	produce(0, 100)
	execOK(t, s, "stream.sql", fmt.Sprintf(`
SET 'execution.checkpointing.interval' = '200 ms';
CREATE SOURCE chat (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
INSERT INTO lake.chat.messages SELECT id, username, text, event_time FROM chat;
`, chatSourceCols, in))
	count := func(c *iceberg.Catalogs, name string) int {
		tb, err := c.LoadTable(ctx, name)
		if err != nil {
			return -1
		}
		_, rows := lakeRows(t, tb)
		return len(rows)
	}
	embedded := iceberg.NewCatalogs(dataDir)
	defer embedded.Close()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("100 rows in the embedded lake", func() bool { return count(embedded, "lake.chat.messages") == 100 })

	// point 'lake' at Postgres: the running job keeps writing to SQLite
	rs := execOK(t, s, "set.sql", fmt.Sprintf(`
SET 'catalog.lake.uri' = 'postgresql://%s/%s';
SET 'catalog.lake.jdbc.user' = '%s';
SET 'catalog.lake.jdbc.password' = '%s';
SET 'catalog.lake.warehouse' = '%s';
`, host, db, user, password, pgWh))
	if !strings.Contains(rs[0].Message, "option 'warehouse' is missing") || strings.Contains(rs[3].Message, "missing") {
		t.Fatalf("SET messages: %q ... %q", rs[0].Message, rs[3].Message)
	}
	produce(100, 100)
	waitFor("the running job's 200 rows in the embedded lake", func() bool { return count(embedded, "lake.chat.messages") == 200 })
	if got := pgCatalogRows(t, dbURL, "lake"); len(got) != 0 {
		t.Fatalf("the running job moved to the new catalog: %v", got)
	}

	// a new job on 'lake' goes to Postgres; so do reads of 'lake'. (Another
	// table than the running job's: jobs are named after their target, and
	// a job restores the checkpoints of its name.)
	path := writeChat(t, dir, "chat.json", 1000, 50)
	execOK(t, s, "pg.sql", fmt.Sprintf(`
CREATE SOURCE chatfile (%s) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO lake.chat.history SELECT id, username, text, event_time FROM chatfile;
`, chatSourceCols, path))
	waitFor("the file job", func() bool { return count(s.Catalogs(), "lake.chat.history") == 50 })
	if got := pgCatalogRows(t, dbURL, "lake"); len(got) != 1 || !strings.HasPrefix(got["chat.history"], "file://"+pgWh+"/") {
		t.Fatalf("iceberg_tables of 'lake' in Postgres: %v", got)
	}
	if count(embedded, "lake.chat.history") != -1 {
		t.Fatal("the new job wrote the embedded catalog")
	}
	r, err := s.Exec(ctx, "q", "SELECT count(*), min(id) FROM lake.chat.history")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if got := strings.Join(r.Rows[0], ","); got != "50,1000" {
		t.Fatalf("ad hoc on the Postgres lake: %v", r.Rows)
	}
	r, err = s.Exec(ctx, "show", "SHOW CATALOGS")
	if err != nil {
		t.Fatal(err)
	}
	if row := r.Rows[0]; row[0] != "lake" || row[1] != "sql" || row[2] != "file://"+pgWh || row[4] != "settings (replacing embedded)" || !strings.Contains(row[3], user+":****@"+host) {
		t.Fatalf("SHOW CATALOGS: %v", r.Rows)
	}
	r, err = s.Exec(ctx, "set", "SET")
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{}
	for _, row := range r.Rows {
		shown[row[0]] = row[1]
	}
	if shown["catalog.lake.jdbc.password"] != "********" || shown["catalog.lake.jdbc.user"] != user || shown["catalog.lake.warehouse"] != pgWh {
		t.Fatalf("SET lists %v", shown)
	}

	// RESET 'catalog.lake': the embedded catalog again
	execOK(t, s, "reset.sql", "RESET 'catalog.lake';")
	r, err = s.Exec(ctx, "q", "SELECT count(*) FROM lake.chat.messages")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if r.Rows[0][0] != "200" {
		t.Fatalf("after RESET: %v rows, want the embedded lake's 200", r.Rows)
	}

	// a catalog of settings alone, in the same script as its use
	execOK(t, s, "own.sql", fmt.Sprintf(`
SET 'catalog.pgown.uri' = '%s';
SET 'catalog.pgown.warehouse' = '%s';
INSERT INTO pgown.db.copy SELECT id, username FROM chatfile;
`, dbURL, pgWh))
	waitFor("pgown.db.copy", func() bool { return count(s.Catalogs(), "pgown.db.copy") == 50 })

	// errors: positioned, naming the option and what to do
	bad := []struct{ sql, want string }{
		{"SET 'catalog.pgown.warehous' = 'x';", "unknown catalog option 'warehous' (did you mean 'warehouse'?)"},
		{"SET 'catalog.pgown.catalog-type' = 'nessie';", "'nessie' is not supported"},
		{"SET 'catalog.pgown.uri' = 'jdbc:mysql://h/db';", "is neither a SQLite file"},
		{"SET 'catalog.pgown.uri' = 'mysql://u:s3cret@h/db';", "'mysql://u:****@h/db' does not tell it"},
		{"SET 'catalog.pgown.jdbc.loglevel' = '2';", "'jdbc.loglevel' is not a PostgreSQL connection parameter"},
		{"SET 'catalog.pgown' = 'x';", "names no option"},
		{"SET 'catalog.half.uri' = '" + dbURL + "';\nINSERT INTO half.db.t SELECT id FROM chatfile;", "option 'warehouse' is missing"},
		{"DROP CATALOG pgown;", "RESET 'catalog.pgown'"},
		{"CREATE CATALOG pgown WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://127.0.0.1:1');", "defined by settings"},
	}
	for _, b := range bad {
		_, err := s.ExecScript(ctx, "bad.sql", b.sql)
		if err == nil || !diag.IsSQLError(err) {
			t.Fatalf("%s: %v, want a SQL error", b.sql, err)
		}
		msg := diag.FormatError(err)
		if !strings.Contains(msg, b.want) || !strings.Contains(msg, "bad.sql:") {
			t.Fatalf("%s:\n%s\nwant %q with a position", b.sql, msg, b.want)
		}
	}
	if err := s.StopJobs(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationPostgresCatalogKillAndRestart: exactly once through the
// Postgres catalog: kill -9 a job streaming Kafka into an Iceberg table of
// a Postgres catalog in the middle of the stream, restart it: every message
// is in the table exactly once and no checkpoint was committed twice. The
// job's 'lake' is pointed at Postgres by the session's settings (as --set
// gives them).
func TestIntegrationPostgresCatalogKillAndRestart(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_LAKE") != "" {
		t.Skip()
	}
	dbURL := pgtest.Database(t)
	dir := t.TempDir()
	dataDir, wh := filepath.Join(dir, "data"), filepath.Join(dir, "warehouse")
	settings := map[string]string{"catalog.lake.uri": dbURL, "catalog.lake.warehouse": wh}
	settingsJSON, _ := json.Marshal(settings)
	// a reader of its own, pointed at the same catalog the way the helper is
	cats := iceberg.NewCatalogs(t.TempDir())
	defer cats.Close()
	if err := cats.ApplySettings(settings); err != nil {
		t.Fatal(err)
	}
	lakeKill{name: "postgres", n: 2000, pause: 40 * time.Millisecond, env: []string{"H_DATA=" + dataDir, "H_SETTINGS=" + string(settingsJSON)},
		load: func() *table.Table {
			tbl, err := cats.LoadTable(context.Background(), "lake.chat.messages")
			if err != nil {
				return nil
			}
			return tbl
		}}.run(t)
	if _, err := os.Stat(filepath.Join(dataDir, "catalog.db")); err == nil {
		t.Errorf("the embedded SQLite catalog was created although 'lake' is on Postgres")
	}
}

// TestIntegrationPostgresCatalogPyiceberg: pyiceberg's SqlCatalog (SQLAlchemy
// with psycopg2) on the Postgres catalog chatsql wrote, under the same
// catalog name, reads every row and chatsql's snapshot summary; a table it
// creates there is read by chatsql (DuckDB ad hoc and SHOW TABLES).
func TestIntegrationPostgresCatalogPyiceberg(t *testing.T) {
	py := pyiceberg(t)
	if out, err := exec.Command(py, "-c", "import psycopg2").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: psycopg2 is not available to %s (pip install psycopg2-binary; .ci/test.sh installs it): %v: %s", py, err, strings.TrimSpace(string(out)))
	}
	dbURL := pgtest.Database(t)
	dir := t.TempDir()
	wh := filepath.Join(dir, "warehouse")
	const n = 120
	path := writeChat(t, dir, "chat.json", 0, n)
	s, err := New(Config{DataDir: filepath.Join(dir, "data"), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	execOK(t, s, "pg.sql", fmt.Sprintf(`
CREATE CATALOG pg WITH ('type' = 'iceberg', 'uri' = '%s', 'warehouse' = '%s');
CREATE SOURCE chat (%s) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO pg.chat.messages SELECT id, username, text, event_time FROM chat;
`, dbURL, wh, chatSourceCols, path))
	waitJobs(t, s)

	sqlalchemyURL := strings.Replace(dbURL, "postgres://", "postgresql+psycopg2://", 1)
	out := runPython(t, py, filepath.Join("testdata", "pyiceberg_postgres.py"), "pg", sqlalchemyURL, "file://"+wh)
	var got struct {
		Rows    int      `json:"rows"`
		First   []int64  `json:"first"`
		Last    int64    `json:"last"`
		Columns []string `json:"columns"`
		Job     string   `json:"job"`
		Tables  []string `json:"tables"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Rows != n || fmt.Sprint(got.First) != "[0 1 2]" || got.Last != n-1 || strings.Join(got.Columns, ",") != "id,username,text,event_time" ||
		got.Job != "insert-pg.chat.messages" {
		t.Fatalf("pyiceberg read %+v", got)
	}
	t.Logf("pyiceberg: %+v", got)

	ctx := context.Background()
	r, err := s.Exec(ctx, "q", "SELECT string_agg(who, ',' ORDER BY id) FROM pg.chat.from_py")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if r.Rows[0][0] != "py-a,py-b,py-c" {
		t.Fatalf("chatsql read pyiceberg's table: %v", r.Rows)
	}
	r, err = s.Exec(ctx, "show", "SHOW TABLES FROM pg.chat")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0][2] != "from_py" || r.Rows[1][2] != "messages" {
		t.Fatalf("SHOW TABLES: %v", r.Rows)
	}
}

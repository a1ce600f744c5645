package adhoc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	iceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/adhoc"
	"github.com/chatsql/chatsql/runtime/adhoc/adhoctest"
)

var t0 = time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)

func msgs(from, to int64) []adhoctest.Message {
	langs := []string{"en", "es", "fr"}
	var out []adhoctest.Message
	for i := from; i <= to; i++ {
		out = append(out, adhoctest.Message{ID: i, Username: fmt.Sprintf("user%d", i), Language: langs[i%3],
			Text: fmt.Sprintf("hello %d", i), TS: t0.Add(time.Duration(i) * time.Hour)})
	}
	return out
}

// env is a data dir with the embedded catalog and lake.chat.messages.
type env struct {
	t    *testing.T
	ctx  context.Context
	cats *adhoctest.Catalogs
	tbl  *table.Table
}

func newEnv(t *testing.T, props iceberg.Properties) *env {
	t.Helper()
	ctx := context.Background()
	cats, err := adhoctest.NewCatalogs(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cats.Close() })
	cat, err := cats.Get(ctx, "lake")
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := adhoctest.CreateTable(ctx, cat, "chat", "messages", props)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, cats: cats, tbl: tbl}
}

func (e *env) append(m []adhoctest.Message) *table.Snapshot {
	e.t.Helper()
	time.Sleep(5 * time.Millisecond) // distinct snapshot times
	tbl, err := adhoctest.Append(e.ctx, e.tbl, m)
	if err != nil {
		e.t.Fatal(err)
	}
	e.tbl = tbl
	return tbl.CurrentSnapshot()
}

// query runs q and renders it in format.
func (e *env) query(q, format string) (string, error) {
	e.t.Helper()
	r, err := adhoc.Query(e.ctx, e.cats, q, adhoc.Options{})
	if err != nil {
		return "", err
	}
	defer r.Close()
	var b bytes.Buffer
	_, err = adhoc.Write(&b, r, format)
	return b.String(), err
}

func (e *env) mustQuery(q, format string) string {
	e.t.Helper()
	out, err := e.query(q, format)
	if err != nil {
		e.t.Fatalf("%s: %s", q, diag.FormatError(err))
	}
	return out
}

func TestQueryCurrentSnapshot(t *testing.T) {
	e := newEnv(t, nil)
	e.append(msgs(1, 3))
	e.append(msgs(4, 6))
	got := e.mustQuery("SELECT language, count(*) AS n FROM lake.chat.messages GROUP BY language ORDER BY language", "csv")
	want := "language,n\nen,2\nes,2\nfr,2\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// namespace.table is the embedded catalog; an alias and a join work
	got = e.mustQuery(`SELECT count(*) FROM chat.messages m JOIN lake.chat.messages AS m2 ON m.id = m2.id WHERE m.id > 2`, "csv")
	if got != "count_star()\n4\n" {
		t.Fatalf("got %q", got)
	}
	// the table name qualifies columns
	got = e.mustQuery(`SELECT max(messages.id) AS m FROM lake.chat.messages`, "csv")
	if got != "m\n6\n" {
		t.Fatalf("got %q", got)
	}
	// `backquoted` names, as in the statements (DuckDB knows only "..."):
	// the table's parts, its columns, aliases; a backquote inside a string
	// stays
	got = e.mustQuery("SELECT `language`, count(*) AS `n`, '`x`' AS s FROM `lake`.`chat`.`messages` AS `m` WHERE `m`.`id` <= 3 GROUP BY `language` ORDER BY 1", "csv")
	if got != "language,n,s\nen,1,`x`\nes,1,`x`\nfr,1,`x`\n" {
		t.Fatalf("backquotes: got %q", got)
	}
}

func TestTimeTravel(t *testing.T) {
	e := newEnv(t, nil)
	s1 := e.append(msgs(1, 2))
	time.Sleep(20 * time.Millisecond)
	s2 := e.append(msgs(3, 5))
	q := func(clause string) string {
		return e.mustQuery("SELECT count(*) AS n, max(id) AS top FROM lake.chat.messages "+clause, "csv")
	}
	if got := q(""); got != "n,top\n5,5\n" {
		t.Fatalf("current: %q", got)
	}
	if got := q(fmt.Sprintf("FOR VERSION AS OF %d", s1.SnapshotID)); got != "n,top\n2,2\n" {
		t.Fatalf("version s1: %q", got)
	}
	if got := q(fmt.Sprintf("FOR VERSION AS OF %d", s2.SnapshotID)); got != "n,top\n5,5\n" {
		t.Fatalf("version s2: %q", got)
	}
	at := time.UnixMilli(s1.TimestampMs).UTC()
	for _, lit := range []string{
		"TIMESTAMP '" + at.Format("2006-01-02 15:04:05.000") + "'",
		"TIMESTAMP '" + at.Add(10*time.Millisecond).Format(time.RFC3339Nano) + "'",
		"'" + at.In(time.FixedZone("", 2*3600)).Format("2006-01-02 15:04:05.000-07:00") + "'",
	} {
		if got := q("FOR SYSTEM_TIME AS OF " + lit); got != "n,top\n2,2\n" {
			t.Fatalf("as of %s: %q", lit, got)
		}
	}
	if got := q("FOR SYSTEM_TIME AS OF TIMESTAMP '" + time.UnixMilli(s2.TimestampMs).UTC().Format("2006-01-02 15:04:05.000") + "'"); got != "n,top\n5,5\n" {
		t.Fatalf("as of s2: %q", got)
	}
	// both versions in one query (each reference its own snapshot), and a
	// multi-line query keeps its shape
	got := e.mustQuery(fmt.Sprintf("SELECT (SELECT count(*) FROM lake.chat.messages FOR VERSION AS OF %d) AS old,\n"+
		"       (SELECT count(*) FROM chat.messages) AS now", s1.SnapshotID), "csv")
	if got != "old,now\n2,5\n" {
		t.Fatalf("two versions: %q", got)
	}

	// errors: positioned, with hints
	_, err := e.query("SELECT * FROM lake.chat.messages FOR VERSION AS OF 42", "csv")
	assertSQLError(t, err, "1:52", "has no snapshot 42", "snapshots, newest first: "+fmt.Sprint(s2.SnapshotID))
	_, err = e.query("SELECT * FROM lake.chat.messages FOR SYSTEM_TIME AS OF TIMESTAMP '2000-01-01 00:00:00'", "csv")
	assertSQLError(t, err, "1:66", "has no snapshot as of 2000-01-01T00:00:00Z", "its first snapshot is "+fmt.Sprint(s1.SnapshotID))
	_, err = e.query("SELECT * FROM lake.chat.messages FOR SYSTEM_TIME AS OF 'yesterday'", "csv")
	assertSQLError(t, err, "1:56", "'yesterday' is not a time", "")
	_, err = e.query("SELECT * FROM lake.chat.messages FOR SYSTEM_TIME AS OF now()", "csv")
	assertSQLError(t, err, "1:56", "takes a time literal", "")
}

func TestSchemaEvolution(t *testing.T) {
	e := newEnv(t, nil)
	s1 := e.append(msgs(1, 2))
	tx := e.tbl.NewTransaction()
	if err := tx.UpdateSchema(true, false).AddColumn([]string{"room"}, iceberg.PrimitiveTypes.String, "", false, nil).Commit(); err != nil {
		t.Fatal(err)
	}
	tbl, err := tx.Commit(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.tbl = tbl
	m := msgs(3, 4)
	m[0].Room = adhoctest.Str("general")
	e.append(m)
	got := e.mustQuery("SELECT id, room FROM lake.chat.messages ORDER BY id", "csv")
	if want := "id,room\n1,\n2,\n3,general\n4,\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	got = e.mustQuery("SELECT id, room FROM lake.chat.messages WHERE room IS NULL ORDER BY id", "json")
	if want := "{\"id\":1,\"room\":null}\n{\"id\":2,\"room\":null}\n{\"id\":4,\"room\":null}\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	// the old snapshot reads with its own schema: no room column
	got = e.mustQuery(fmt.Sprintf("SELECT * FROM lake.chat.messages FOR VERSION AS OF %d ORDER BY id", s1.SnapshotID), "csv")
	if !strings.HasPrefix(got, "id,username,language,text,ts\n1,user1,") {
		t.Fatalf("old schema: %q", got)
	}
}

func TestPositionalDeletes(t *testing.T) {
	e := newEnv(t, iceberg.Properties{table.WriteDeleteModeKey: table.WriteModeMergeOnRead, "format-version": "2"})
	e.append(msgs(1, 3))
	before := e.append(msgs(4, 6))
	tbl, err := e.tbl.Delete(e.ctx, iceberg.EqualTo(iceberg.Reference("id"), int64(2)), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.tbl = tbl
	tasks, err := tbl.Scan().PlanFiles(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	posDeletes := 0
	for _, tk := range tasks {
		posDeletes += len(tk.DeleteFiles)
	}
	if posDeletes == 0 {
		t.Fatalf("the delete wrote no positional delete file (copy-on-write?); the test needs merge-on-read")
	}
	got := e.mustQuery("SELECT string_agg(id::VARCHAR, ',' ORDER BY id) AS ids FROM lake.chat.messages", "csv")
	if got != "ids\n\"1,3,4,5,6\"\n" {
		t.Fatalf("after delete: %q", got)
	}
	got = e.mustQuery(fmt.Sprintf("SELECT count(*) AS n FROM lake.chat.messages FOR VERSION AS OF %d", before.SnapshotID), "csv")
	if got != "n\n6\n" {
		t.Fatalf("before delete: %q", got)
	}
}

func TestEqualityDeletes(t *testing.T) {
	e := newEnv(t, iceberg.Properties{"format-version": "2"})
	e.append(msgs(1, 4))
	// delete id 3 by equality on id
	del := msgs(3, 3)
	rec, err := adhoctest.Record(iceberg.NewSchema(0, e.tbl.Schema().Field(0)), del)
	if err != nil {
		t.Fatal(err)
	}
	recs := func(yield func(arrow.RecordBatch, error) bool) {
		yield(rec.NewSlice(0, rec.NumRows()), nil)
	}
	tx := e.tbl.NewTransaction()
	if err := tx.CommitEqualityDeletes(e.ctx, []int{1}, iter.Seq2[arrow.RecordBatch, error](recs), nil); err != nil {
		t.Skipf("iceberg-go cannot write this equality delete: %v", err)
	}
	tbl, err := tx.Commit(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.tbl = tbl
	// a row with id 3 appended after the delete is not deleted (sequence numbers)
	again := msgs(3, 3)
	again[0].Text = "back again"
	e.append(again)
	got := e.mustQuery("SELECT id, text FROM lake.chat.messages ORDER BY id", "csv")
	if want := "id,text\n1,hello 1\n2,hello 2\n3,back again\n4,hello 4\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestEmptyTable(t *testing.T) {
	e := newEnv(t, nil)
	got := e.mustQuery("SELECT * FROM lake.chat.messages", "csv")
	if got != "id,username,language,text,ts\n" {
		t.Fatalf("got %q", got)
	}
	got = e.mustQuery("SELECT count(*) AS n FROM lake.chat.messages", "table")
	if got != " n\n---\n 0\n(1 row)\n" {
		t.Fatalf("got %q", got)
	}
}

func TestUnknownNames(t *testing.T) {
	e := newEnv(t, nil)
	e.append(msgs(1, 1))
	_, err := e.query("SELECT *\nFROM lake.chat.mesages", "csv")
	assertSQLError(t, err, "2:11", "unknown Iceberg table 'lake.chat.mesages'", "did you mean 'lake.chat.messages'?")
	_, err = e.query("SELECT * FROM chat.mesages", "csv")
	assertSQLError(t, err, "1:15", "unknown Iceberg table 'lake.chat.mesages'", "did you mean 'chat.messages'?")
	_, err = e.query("SELECT * FROM laek.chat.messages", "csv")
	assertSQLError(t, err, "1:15", "unknown catalog 'laek'", "did you mean 'lake'?")
	_, err = e.query("SELECT * FROM lake.talk.messages", "csv")
	assertSQLError(t, err, "1:20", "unknown Iceberg table 'lake.talk.messages'", "did you mean 'lake.chat.messages'?")
	// DuckDB's own errors about the query are SQL errors too
	_, err = e.query("SELECT usrname FROM lake.chat.messages", "csv")
	assertSQLError(t, err, "", "usrname", "")
	_, err = e.query("SELEC 1", "csv")
	assertSQLError(t, err, "", "syntax error", "")
	// names that are not Iceberg tables are DuckDB's
	got := e.mustQuery("SELECT count(*) > 0 AS ok FROM information_schema.schemata", "csv")
	if got != "ok\ntrue\n" {
		t.Fatalf("got %q", got)
	}
}

func assertSQLError(t *testing.T, err error, pos, msg, hint string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", msg)
	}
	if !diag.IsSQLError(err) {
		t.Fatalf("not a SQL error: %v", err)
	}
	text := diag.FormatError(err)
	if pos != "" && !strings.Contains(text, "<query>:"+pos+":") {
		t.Fatalf("want position %s in\n%s", pos, text)
	}
	if !strings.Contains(text, msg) {
		t.Fatalf("want %q in\n%s", msg, text)
	}
	if hint != "" && !strings.Contains(text, "hint: "+hint) {
		t.Fatalf("want hint %q in\n%s", hint, text)
	}
}

func TestFormats(t *testing.T) {
	e := newEnv(t, nil)
	m := msgs(1, 2)
	m[1].Text = "¡Hola, \"mundo\"!\n👋"
	e.append(m)
	q := `SELECT id, username, text, ts, ts::DATE AS day, NULL::VARCHAR AS note, id * 1.5 AS x, [id, 2] AS l
FROM lake.chat.messages ORDER BY id`
	table := e.mustQuery(q, "table")
	wantTable := ` id | username | text                | ts                   | day        | note | x   | l
----+----------+---------------------+----------------------+------------+------+-----+-------
  1 | user1    | hello 1             | 2024-01-01T11:00:00Z | 2024-01-01 | NULL | 1.5 | [1,2]
  2 | user2    | ¡Hola, "mundo"!\n👋 | 2024-01-01T12:00:00Z | 2024-01-01 | NULL |   3 | [2,2]
(2 rows)
`
	if table != wantTable {
		t.Fatalf("table:\n%s\nwant:\n%s", table, wantTable)
	}
	csv := e.mustQuery(q, "csv")
	wantCSV := "id,username,text,ts,day,note,x,l\n" +
		"1,user1,hello 1,2024-01-01T11:00:00Z,2024-01-01,,1.5,\"[1,2]\"\n" +
		"2,user2,\"¡Hola, \"\"mundo\"\"!\n👋\",2024-01-01T12:00:00Z,2024-01-01,,3,\"[2,2]\"\n"
	if csv != wantCSV {
		t.Fatalf("csv:\n%q\nwant:\n%q", csv, wantCSV)
	}
	js := e.mustQuery(q, "json")
	wantJSON := `{"id":1,"username":"user1","text":"hello 1","ts":"2024-01-01T11:00:00Z","day":"2024-01-01","note":null,"x":1.5,"l":[1,2]}` + "\n" +
		`{"id":2,"username":"user2","text":"¡Hola, \"mundo\"!\n👋","ts":"2024-01-01T12:00:00Z","day":"2024-01-01","note":null,"x":3,"l":[2,2]}` + "\n"
	if js != wantJSON {
		t.Fatalf("json:\n%s\nwant:\n%s", js, wantJSON)
	}
}

func TestQueryWithoutIcebergTables(t *testing.T) {
	e := newEnv(t, nil)
	got := e.mustQuery("SELECT 1 AS one, 'x' AS s, TIMESTAMP '2024-01-02 03:04:05.5' AS t", "json")
	if got != `{"one":1,"s":"x","t":"2024-01-02T03:04:05.5"}`+"\n" {
		t.Fatalf("got %q", got)
	}
	_, err := adhoc.Query(e.ctx, e.cats, "  ; ", adhoc.Options{})
	if !errors.Is(err, diag.ErrSyntax) {
		t.Fatalf("empty query: %v", err)
	}
}

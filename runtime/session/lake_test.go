package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/diag"
)

// chatLine is one line of the chat JSON used by the lakehouse tests.
func chatLine(i int) string {
	b, _ := json.Marshal(map[string]any{"id": i, "username": fmt.Sprintf("user%d", i%13), "text": fmt.Sprintf("message %d ✓", i),
		"type": "USER_MESSAGE", "preferredLanguage": []string{"es", "fr", "de"}[i%3],
		"timestamp": 1704067200 + int64(i)*600}) // every 10 minutes: 500 rows span 3.5 days
	return string(b)
}

// lakeTable loads lake.chat.messages of dataDir.
func lakeTable(t *testing.T, dataDir string) *table.Table {
	t.Helper()
	c := iceberg.NewCatalogs(dataDir)
	t.Cleanup(func() { c.Close() })
	tbl, err := c.LoadTable(context.Background(), "lake.chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// lakeRows scans a table into rows of Go values by column name.
func lakeRows(t *testing.T, tbl *table.Table) (*arrow.Schema, []map[string]any) {
	t.Helper()
	at, err := tbl.Scan().ToArrowTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer at.Release()
	tr := array.NewTableReader(at, 4096)
	defer tr.Release()
	var rows []map[string]any
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := map[string]any{}
			for c, f := range rec.Schema().Fields() {
				col := rec.Column(c)
				if col.IsNull(i) {
					row[f.Name] = nil
					continue
				}
				row[f.Name] = col.GetOneForMarshal(i)
			}
			rows = append(rows, row)
		}
	}
	return at.Schema(), rows
}

func idsOf(t *testing.T, rows []map[string]any) []int64 {
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r["id"].(int64))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// TestLakeInsertFromFile: a file of chat JSON into lake.chat.messages,
// PARTITIONED BY days(event_time); read back with iceberg-go: every row
// once, the right types, partitions and snapshot summaries. Then INSERT
// INTO the qualified name appends to the existing table; SHOW CATALOGS,
// SHOW TABLES FROM and CREATE CATALOG work.
func TestLakeInsertFromFile(t *testing.T) {
	dir := t.TempDir()
	const n = 500
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
	ctx := context.Background()
	script := fmt.Sprintf(`
CREATE SOURCE chat (id BIGINT, username VARCHAR, text VARCHAR, type VARCHAR, preferredLanguage VARCHAR, `+"`timestamp`"+` BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`+"`timestamp`"+`, 0)) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE TABLE messages (id BIGINT, username VARCHAR, text VARCHAR, language VARCHAR, score DECIMAL(10, 2), n INT, ok BOOLEAN,
  event_time TIMESTAMP_LTZ(3), wall TIMESTAMP(3), d DATE)
  PARTITIONED BY (days(event_time)) WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'chat.messages');
INSERT INTO messages SELECT id, username, text, preferredLanguage, CAST(id AS DECIMAL(10, 2)) / 4, CAST(id %% 7 AS INT), id %% 2 = 0,
  event_time, CAST(event_time AS TIMESTAMP(3)), CAST(event_time AS DATE) FROM chat;
`, path)
	if _, err := s.ExecScript(ctx, "lake.sql", script); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := s.WaitJobs(wctx); err != nil {
		t.Fatal(err)
	}

	tbl := lakeTable(t, dataDir)
	sc, rows := lakeRows(t, tbl)
	wantEachID(t, "iceberg-go", idsOf(t, rows), n)
	wantTypes := map[string]string{"id": "int64", "username": "utf8", "text": "utf8", "language": "utf8", "score": "decimal(10, 2)",
		"n": "int32", "ok": "bool", "event_time": "timestamp[us, tz=UTC]", "wall": "timestamp[us]", "d": "date32"}
	for _, f := range sc.Fields() {
		if got := f.Type.String(); got != wantTypes[f.Name] {
			t.Errorf("column %s is %s, want %s", f.Name, got, wantTypes[f.Name])
		}
	}
	for _, r := range rows {
		id := r["id"].(int64)
		if r["text"] != fmt.Sprintf("message %d ✓", id) || r["username"] != fmt.Sprintf("user%d", id%13) {
			t.Fatalf("row %v", r)
		}
		if et := r["event_time"].(string); et != time.Unix(1704067200+id*600, 0).UTC().Format(time.RFC3339) {
			t.Fatalf("event_time %v of row %d", et, id)
		}
	}
	spec := tbl.Spec()
	if spec.NumFields() != 1 || spec.Field(0).Name != "event_time_day" {
		t.Fatalf("partition spec %v", spec)
	}
	// one data file per day at least (partitioned), 4 days
	files := 0
	days := map[string]bool{}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		files++
		for _, v := range task.File.Partition() {
			days[fmt.Sprint(v)] = true
		}
	}
	if len(days) != 4 || files < 4 {
		t.Fatalf("%d files over partitions %v, want 4 days", files, days)
	}
	snaps := tbl.Metadata().Snapshots()
	if len(snaps) == 0 {
		t.Fatal("no snapshot")
	}
	for _, sn := range snaps {
		p := sn.Summary.Properties
		if p[iceberg.SummaryJob] != "insert-messages" || p[iceberg.SummaryJobID] == "" || p[iceberg.SummaryCheckpointID] == "" {
			t.Fatalf("summary %v", p)
		}
	}

	// the qualified name appends to the existing table, casting to its types
	res, err := s.ExecScript(ctx, "more.sql", `
CREATE CATALOG other WITH ('type' = 'iceberg', 'catalog-type' = 'sql', 'uri' = 'sqlite:///`+filepath.Join(dir, "other.db")+`', 'warehouse' = '`+filepath.Join(dir, "wh")+`');
INSERT INTO lake.chat.messages (id, username, event_time) SELECT id + 1000, username, event_time FROM chat WHERE id < 10;
INSERT INTO other.db.copy SELECT id, username, event_time FROM chat;
SHOW CATALOGS;`)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if got := res[len(res)-1].Rows; len(got) != 2 || got[0][0] != "lake" || got[1][0] != "other" {
		t.Fatalf("SHOW CATALOGS: %v", got)
	}
	if err := s.WaitJobs(wctx); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, rows := lakeRows(t, tbl); len(rows) != n+10 {
		t.Fatalf("%d rows after the second insert, want %d", len(rows), n+10)
	}
	r, err := s.Exec(ctx, "show", "SHOW TABLES FROM other.db")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if len(r.Rows) != 1 || r.Rows[0][2] != "copy" {
		t.Fatalf("SHOW TABLES FROM other.db: %v", r.Rows)
	}
	r, err = s.Exec(ctx, "show", "SHOW TABLES FROM lake")
	if err != nil || len(r.Rows) != 1 || r.Rows[0][1] != "chat" {
		t.Fatalf("SHOW TABLES FROM lake: %v %v", r.Rows, err)
	}

	// errors: reading a qualified name stays an error (the source comes
	// later); PARTITIONED BY a missing column; an unknown catalog
	for _, bad := range []string{
		"CREATE TABLE t2 (a INT) PARTITIONED BY (days(b)) WITH ('connector' = 'iceberg', 'table' = 'x.y')",
		"CREATE TABLE t3 (a INT) PARTITIONED BY (a) WITH ('connector' = 'file', 'path' = '/tmp/x', 'format' = 'json')",
		"CREATE SINK s1 WITH ('connector' = 'iceberg', 'catalog' = 'nope', 'table' = 'x.y') AS SELECT id FROM chat",
		"CREATE CATALOG c2 WITH ('type' = 'paimon')",
	} {
		if _, err := s.Exec(ctx, "bad", bad); err == nil || !diag.IsSQLError(err) {
			t.Errorf("%s: %v, want a SQL error", bad, err)
		}
	}
}

// TestLakeKillAndRestart: kill -9 a job streaming Kafka into Iceberg in the
// middle of the stream, restart it: every message is in the table exactly
// once (count and ids), and no checkpoint was committed twice.
func TestLakeKillAndRestart(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_LAKE") != "" {
		t.Skip()
	}
	dataDir := t.TempDir()
	tbl, _ := lakeKill{name: "lake", n: 3000, pause: 40 * time.Millisecond, env: []string{"H_DATA=" + dataDir},
		load: func() *table.Table {
			c := iceberg.NewCatalogs(dataDir)
			defer c.Close()
			tbl, err := c.LoadTable(context.Background(), "lake.chat.messages")
			if err != nil {
				return nil
			}
			return tbl
		}}.run(t)
	for _, sn := range tbl.Metadata().Snapshots() {
		p := sn.Summary.Properties
		if _, err := strconv.Atoi(p[iceberg.SummaryCheckpointID]); err != nil || p[iceberg.SummaryJob] != "insert-lake.chat.messages" {
			t.Fatalf("summary %v", p)
		}
	}
}

package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestLakeHadoopCatalog: a 'catalog-type' = 'hadoop' catalog (a warehouse
// directory, metadata found through version-hint.text, no catalog
// service) takes a sink job's table, a second commit, a bounded streaming
// read by its three-part name and an ad-hoc DuckDB query with time travel.
func TestLakeHadoopCatalog(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "hadoop-wh")
	var a, b []string
	for i := 0; i < 20; i++ {
		a = append(a, fmt.Sprintf(`{"id":%d,"who":"u%d"}`, i, i%3))
		b = append(b, fmt.Sprintf(`{"id":%d,"who":"u%d"}`, 100+i, i%3))
	}
	writeLines(t, filepath.Join(dir, "a.json"), a...)
	writeLines(t, filepath.Join(dir, "b.json"), b...)
	s := newTestSession(t)
	runScript(t, s, "h1.sql", `
CREATE CATALOG hd WITH ('type'='iceberg', 'catalog-type'='hadoop', 'warehouse'='`+wh+`');
CREATE TABLE sa (id BIGINT, who STRING) WITH ('connector'='file','path'='`+filepath.Join(dir, "a.json")+`','format'='json');
INSERT INTO hd.chat.h SELECT id, who FROM sa;
`)
	if _, err := os.Stat(filepath.Join(wh, "chat", "h", "metadata", "version-hint.text")); err != nil {
		t.Fatalf("no Hadoop-catalog metadata in the warehouse: %v", err)
	}
	tbl, err := s.lake.LoadTable(context.Background(), "hd.chat.h")
	if err != nil {
		t.Fatal(err)
	}
	first := tbl.CurrentSnapshot().SnapshotID
	runScript(t, s, "h2.sql", `
CREATE TABLE sb (id BIGINT, who STRING) WITH ('connector'='file','path'='`+filepath.Join(dir, "b.json")+`','format'='json');
INSERT INTO hd.chat.h SELECT id, who FROM sb;
CREATE TABLE outh (id BIGINT, who STRING) WITH ('connector'='file','path'='`+filepath.Join(dir, "out.json")+`','format'='json');
`)
	runScript(t, s, "h3.sql", `INSERT INTO outh SELECT id, who FROM hd.chat.h WHERE id >= 100;`)
	out, err := os.ReadFile(filepath.Join(dir, "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "\n"); n != 20 {
		t.Fatalf("the streaming engine read %d rows with id >= 100, want 20:\n%s", n, out)
	}
	for q, want := range map[string]string{
		"SELECT COUNT(*), MIN(id), MAX(id) FROM hd.chat.h":                                 "40 0 119",
		fmt.Sprintf("SELECT COUNT(*), MAX(id) FROM hd.chat.h FOR VERSION AS OF %d", first): "20 19",
		"SELECT who, COUNT(*) FROM hd.chat.h GROUP BY who ORDER BY who":                    "u0 14|u1 14|u2 12",
	} {
		res, ok, err := s.execAdhoc(context.Background(), "q.sql", q)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", q, ok, err)
		}
		var rows []string
		for _, r := range res.Rows {
			rows = append(rows, strings.Join(r, " "))
		}
		sort.Strings(rows)
		if got := strings.Join(rows, "|"); got != want {
			t.Errorf("%s: got %q, want %q", q, got, want)
		}
	}
}

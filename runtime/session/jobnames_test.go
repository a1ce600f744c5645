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

// TestTwoInsertsIntoOneTable: two jobs writing one Iceberg table run side by
// side under distinct names (insert-..., insert-...-2), each with its own
// checkpoint directory, and every row of both lands exactly once: with one
// name they shared checkpoints and the sink's commit evidence, so one job's
// checkpoint could pass for the other's.
func TestTwoInsertsIntoOneTable(t *testing.T) {
	dir := t.TempDir()
	var a, b []string
	for i := 0; i < 50; i++ {
		a = append(a, fmt.Sprintf(`{"id":"a%d"}`, i))
		b = append(b, fmt.Sprintf(`{"id":"b%d"}`, i))
	}
	writeLines(t, filepath.Join(dir, "a.json"), a...)
	writeLines(t, filepath.Join(dir, "b.json"), b...)
	s := newTestSession(t)
	runScript(t, s, "two.sql", `
CREATE TABLE sa (id STRING) WITH ('connector'='file','path'='`+filepath.Join(dir, "a.json")+`','format'='json');
CREATE TABLE sb (id STRING) WITH ('connector'='file','path'='`+filepath.Join(dir, "b.json")+`','format'='json');
INSERT INTO lake.chat.two SELECT id FROM sa;
INSERT INTO lake.chat.two SELECT id FROM sb;
`)
	var names []string
	for _, j := range s.jobList() {
		names = append(names, j.job.Name())
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "insert-lake.chat.two,insert-lake.chat.two-2" {
		t.Fatalf("job names %v", names)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(s.cfg.DataDir, "checkpoints", n)); err != nil {
			t.Errorf("checkpoint directory of %s: %v", n, err)
		}
	}
	res, ok, err := s.execAdhoc(context.Background(), "q.sql", "SELECT id FROM lake.chat.two ORDER BY id")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	got := map[string]int{}
	for _, r := range res.Rows {
		got[r[0]]++
	}
	if len(got) != 100 {
		t.Fatalf("%d distinct ids, want 100: %v", len(got), got)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("id %s %d times", id, n)
		}
	}
}

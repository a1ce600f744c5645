package session

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/diag"
)

// TestMatchRecognizeDefineErrorDeadLettersTheRow: a DEFINE condition that
// cannot be evaluated on a row (CAST('login' AS BIGINT)) dead-letters that
// row once and gives it no label; the job goes on and matches the rest.
func TestMatchRecognizeDefineErrorDeadLettersTheRow(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	os.WriteFile(in, []byte(`{"id":1,"v":"5"}
{"id":2,"v":"login"}
{"id":3,"v":"7"}
{"id":4,"v":"8"}
`), 0o644)
	s, err := New(Config{DataDir: t.TempDir(), Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := `
CREATE SOURCE t (id BIGINT, v VARCHAR, ts AS TO_TIMESTAMP_LTZ(id, 0), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'file', 'path' = '` + in + `', 'format' = 'json');
CREATE SINK o WITH ('connector' = 'file', 'path' = '` + out + `', 'format' = 'json') AS
SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts MEASURES FIRST(A.id) AS first_id, COUNT(A.*) AS n
  PATTERN (A+) DEFINE A AS CAST(v AS BIGINT) > 0) AS m;`
	if _, err := s.ExecScript(ctx, "e.sql", script); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatalf("the job failed: %v", err)
	}
	b, _ := os.ReadFile(out)
	if got := strings.TrimSpace(string(b)); got != `{"first_id":1,"n":1}`+"\n"+`{"first_id":3,"n":2}` {
		t.Errorf("matches:\n%s", got)
	}
	if d := s.Jobs()[0].Status.DeadLettered; d != 1 {
		t.Errorf("%d rows dead-lettered, want the one bad row", d)
	}
}

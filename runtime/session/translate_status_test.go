package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
)

// TestTranslateStatusInShowAndDescribe: after a job translated 40 rows of
// which only 10 texts are distinct, SHOW JOBS and DESCRIBE JOB say how many
// calls there were, how many needed no request, and how many requests went
// out — the same numbers the fake LLM saw.
func TestTranslateStatusInShowAndDescribe(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, `{"username":"u%d","text":"phrase number %d of ten"}`+"\n", i, i%10)
	}
	os.WriteFile(in, []byte(b.String()), 0o644)
	s, err := New(Config{DataDir: t.TempDir(), Logf: t.Logf, Settings: map[string]string{
		udf.SettingTranslationBaseURL: llm.URL(), udf.SettingTranslationAPIKey: "",
		// one row at a time: every repeat finds its text in the cache
		"translation.capacity": "1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := `
CREATE SOURCE chat (username VARCHAR, text VARCHAR) WITH ('connector' = 'file', 'path' = '` + in + `', 'format' = 'json');
CREATE SINK outs WITH ('connector' = 'file', 'path' = '` + filepath.Join(dir, "out.jsonl") + `', 'format' = 'json') AS
SELECT username, TRANSLATE(text, 'de') AS translated FROM chat;`
	if _, err := s.ExecScript(ctx, "t.sql", script); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if llm.Calls() != 10 {
		t.Fatalf("the LLM saw %d requests for 10 distinct texts", llm.Calls())
	}
	rs, err := s.Exec(ctx, "show.sql", "SHOW JOBS")
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, c := range rs.Columns {
		if c == "translate" {
			col = i
		}
	}
	if col < 0 || len(rs.Rows) != 1 {
		t.Fatalf("SHOW JOBS: %v %v", rs.Columns, rs.Rows)
	}
	if got := rs.Rows[0][col]; !strings.HasPrefix(got, "40 calls, 75% no request, 10 req") {
		t.Errorf("SHOW JOBS translate column = %q", got)
	}
	id := rs.Rows[0][0]
	rs, err = s.Exec(ctx, "describe.sql", "DESCRIBE JOB "+id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"translation (openai): 40 calls, 0 in flight, 0 failed (NULL)",
		"no request needed: 75.0% (cache 30, shared in flight 0, skipped 0; new 10)",
		"requests: 10 (1.0 texts each), 0 retries, 0 batch fallbacks, 0 circuit breakers open",
		"estimated cost $",
	} {
		if !strings.Contains(rs.Text, want) {
			t.Errorf("DESCRIBE JOB lacks %q:\n%s", want, rs.Text)
		}
	}
}

package planner_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/chatsql/chatsql/connectors/file"
	_ "github.com/chatsql/chatsql/connectors/kafka"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/session"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExplainGolden runs every testdata/explain/*.sql (statements ending in
// one EXPLAIN) and compares the plan with the .golden file beside it.
// Regenerate with: go test ./planner/ -run TestExplainGolden -update
func TestExplainGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/explain/*.sql")
	if len(files) == 0 {
		t.Fatal("no explain test files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".sql"), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := session.New(session.Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			src := string(text)
			if strings.Contains(src, "-- include: ") {
				// include the DDL of a queries/ file, so its plan is pinned too
				for _, line := range strings.Split(src, "\n") {
					if p, ok := strings.CutPrefix(line, "-- include: "); ok {
						inc, err := os.ReadFile(filepath.Join("..", strings.TrimSpace(p)))
						if err != nil {
							t.Fatal(err)
						}
						src = strings.Replace(src, line, explainSinks(string(inc)), 1)
					}
				}
			}
			rs, err := s.ExecScript(context.Background(), f, src)
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			var got strings.Builder
			for _, r := range rs {
				if r.Kind == session.ResultText {
					got.WriteString(r.Text)
				}
			}
			golden := strings.TrimSuffix(f, ".sql") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(got.String()), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("plan differs from %s (run with -update and review the diff)\n--- got\n%s--- want\n%s", golden, got.String(), want)
			}
		})
	}
}

// explainSinks turns every CREATE SINK of a script into EXPLAIN CREATE SINK.
func explainSinks(script string) string {
	return strings.ReplaceAll(script, "CREATE SINK", "EXPLAIN CREATE SINK")
}

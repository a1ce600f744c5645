package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/diag"
)

// TestMatchRecognizeConformance runs every case of
// testdata/match_recognize (inputs and expected outputs copied from
// published sources: Trino's and Flink's test suites and documentation,
// Oracle's documented outputs; see its README) end to end: file source ->
// MATCH_RECOGNIZE -> file sink, compared with the source's expected rows.
func TestMatchRecognizeConformance(t *testing.T) {
	dirs, err := filepath.Glob("testdata/match_recognize/[0-9]*")
	if err != nil || len(dirs) < 60 {
		t.Fatalf("%d conformance cases (%v), want at least 60", len(dirs), err)
	}
	passed, deviating := 0, 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if why, ok := matchDeviations[name[:3]]; ok {
			// a documented deviation: the case must still run, and must
			// still differ (a fix would make it pass: then drop it here)
			deviating++
			var ft fakeT
			func() {
				defer func() { recover() }()
				runMatchCase(&ft, dir)
			}()
			for _, d := range ft.dirs {
				os.RemoveAll(d)
			}
			if !ft.failed {
				t.Errorf("%s now matches the source: remove it from matchDeviations (%s)", name, why)
			}
			t.Logf("%s: documented deviation: %s", name, why)
			continue
		}
		if t.Run(name, func(t *testing.T) { runMatchCase(t, dir) }) {
			passed++
		}
	}
	t.Logf("MATCH_RECOGNIZE conformance: %d of %d cases pass, %d documented deviations", passed, len(dirs), deviating)
}

// matchDeviations are the cases whose published result chatsql does not
// give, on purpose (docs/cep.md says why).
var matchDeviations = map[string]string{
	"049": "NEXT() in DEFINE looks at rows after the current one: a stream would have to hold every decision back; chatsql rejects it",
	"050": "identifiers keep the case they are written in (Flink SQL's rule); Trino upper-cases unquoted labels, so its CLASSIFIER() says 'A' for a",
	"086": "Flink's test emits a watermark after every row, so its 5th row is late; chatsql's sources emit watermarks periodically (every 200 ms), so a row late only within one interval is still matched",
	"087": "as 086: a row late only against a per-row watermark",
}

// matchT is what runMatchCase needs of a test.
type matchT interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	TempDir() string
}

// fakeT records failure without failing the real test.
type fakeT struct {
	failed bool
	dirs   []string
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic("fatal") }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fakeT) TempDir() string {
	d, _ := os.MkdirTemp("", "chatsql-mr-dev")
	f.dirs = append(f.dirs, d)
	return d
}

func runMatchCase(t matchT, dir string) {
	script, err := os.ReadFile(filepath.Join(dir, "case.sql"))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := filepath.Abs(filepath.Join(dir, "input.jsonl"))
	out := filepath.Join(t.TempDir(), "out.jsonl")
	text := strings.ReplaceAll(strings.ReplaceAll(string(script), "{{input}}", in), "{{output}}", out)
	anyOrder := strings.Contains(text, "-- order: any")
	s, err := New(Config{DataDir: t.TempDir(), Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.ExecScript(ctx, "case.sql", text); err != nil {
		t.Fatalf("%s", diag.FormatError(err))
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatalf("job: %v", err)
	}
	got := readJSONLines(t, out)
	want := readJSONLines(t, filepath.Join(dir, "expected.jsonl"))
	if anyOrder {
		sortRows(got)
		sortRows(want)
	}
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d\n got: %s\nwant: %s", len(got), len(want), rowsText(got), rowsText(want))
		return
	}
	for i := range want {
		if !sameRow(got[i], want[i]) {
			t.Errorf("row %d differs\n got: %s\nwant: %s\nall got:\n%s", i, rowText(got[i]), rowText(want[i]), rowsText(got))
			return
		}
	}
}

func readJSONLines(t matchT, path string) []map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%s: %v: %s", path, err, line)
		}
		out = append(out, m)
	}
	return out
}

func sameRow(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, bv := range b {
		av, ok := a[k]
		if !ok {
			return false
		}
		af, aNum := av.(float64)
		bf, bNum := bv.(float64)
		if aNum && bNum {
			if math.Abs(af-bf) > 1e-9*math.Max(1, math.Abs(bf)) {
				return false
			}
			continue
		}
		if fmt.Sprint(av) != fmt.Sprint(bv) {
			return false
		}
	}
	return true
}

func rowText(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func rowsText(rs []map[string]any) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(rowText(r) + "\n")
	}
	return b.String()
}

func sortRows(rs []map[string]any) {
	sort.SliceStable(rs, func(i, j int) bool { return rowText(rs[i]) < rowText(rs[j]) })
}

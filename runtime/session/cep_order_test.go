package session

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/diag"
)

// TestMatchRecognizeOutOfOrderSameMatches: a stream of 3,000 messages of
// 40 users, fed once in event-time order and once shuffled within the
// watermark bound, gives the same matches — rows are put back in order
// before they are matched, not matched as they come.
func TestMatchRecognizeOutOfOrderSameMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type ev struct {
		user string
		ts   int64 // milliseconds
		kind string
	}
	var evs []ev
	ts := int64(1704067200000)
	for i := 0; i < 3000; i++ {
		ts += int64(rng.IntN(400))
		kind := "USER_MESSAGE"
		if rng.IntN(10) == 0 {
			kind = "USER_JOINED"
		}
		evs = append(evs, ev{fmt.Sprintf("u%d", rng.IntN(40)), ts, kind})
	}
	line := func(e ev) string {
		return fmt.Sprintf(`{"username":%q,"type":%q,"ms":%d}`, e.user, e.kind, e.ts)
	}
	dir := t.TempDir()
	write := func(name string, es []ev) string {
		var b strings.Builder
		for _, e := range es {
			b.WriteString(line(e) + "\n")
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(b.String()), 0o644)
		return p
	}
	sorted := write("sorted.jsonl", evs)
	// shuffle: every event moves by up to 4 s of event time (bound 5 s)
	shuffled := append([]ev(nil), evs...)
	key := make([]int64, len(shuffled))
	for i, e := range shuffled {
		key[i] = e.ts + int64(rng.IntN(4000))
	}
	idx := make([]int, len(shuffled))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return key[idx[a]] < key[idx[b]] })
	var disordered []ev
	moved := 0
	for k, i := range idx {
		disordered = append(disordered, shuffled[i])
		if k != i {
			moved++
		}
	}
	if moved < 1000 {
		t.Fatalf("only %d of 3000 events out of place", moved)
	}
	shuffledPath := write("shuffled.jsonl", disordered)

	run := func(in string) []string {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		s, err := New(Config{DataDir: t.TempDir(), Logf: func(string, ...any) {}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		script := `
CREATE SOURCE chat (username VARCHAR, type VARCHAR, ms BIGINT,
  ts AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'file', 'path' = '` + in + `', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '` + out + `', 'format' = 'json') AS
SELECT * FROM chat MATCH_RECOGNIZE (
  PARTITION BY username ORDER BY ts
  MEASURES FIRST(M.ms) AS first_ms, LAST(M.ms) AS last_ms, COUNT(M.*) AS n, MATCH_NUMBER() AS mno,
           J.ms AS joined_ms
  ONE ROW PER MATCH
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (J? M{3,}) WITHIN INTERVAL '5' SECOND
  DEFINE J AS type = 'USER_JOINED', M AS type = 'USER_MESSAGE'
) AS m;`
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.ExecScript(ctx, "order.sql", script); err != nil {
			t.Fatal(diag.FormatError(err))
		}
		if err := s.WaitJobs(ctx); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		sort.Strings(lines)
		return lines
	}
	a, b := run(sorted), run(shuffledPath)
	if len(a) < 20 {
		t.Fatalf("only %d matches in the sorted run: the test shows nothing", len(a))
	}
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("sorted input gave %d matches, shuffled %d; first difference:", len(a), len(b))
		for i := 0; i < len(a) && i < len(b); i++ {
			if a[i] != b[i] {
				t.Errorf("  sorted:   %s\n  shuffled: %s", a[i], b[i])
				t.Errorf("  near: %v", a[max(0, i-2):min(len(a), i+3)])
				t.Errorf("  near: %v", b[max(0, i-2):min(len(b), i+3)])
				break
			}
		}
	}
	t.Logf("%d matches, the same from sorted and shuffled input (%d of 3000 events out of place)", len(a), moved)
}

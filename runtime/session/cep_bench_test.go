package session

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	chatruntime "github.com/chatsql/chatsql/runtime"

	"github.com/chatsql/chatsql/connectors/datagen"
	"github.com/chatsql/chatsql/planner/diag"
)

// spamEvent is one generated chat event of the spam benchmark.
type spamEvent struct {
	user int32
	msg  bool  // USER_MESSAGE; otherwise USER_JOINED or USER_LEFT
	ts   int64 // epoch seconds, as the seed
}

const (
	spamUsers    = 100_000
	spamSpan     = 600 // seconds of event time
	spamEpoch    = 1_704_067_200
	spamBursters = spamUsers / 20 // 5% of the users burst
)

// spamEvents generates the chat traffic of BenchmarkCEPSpam in arrival
// order: 100,000 users over 10 minutes of event time. 95% write now and
// then (a join, 1-15 messages at random times, sometimes a leave); 5% also
// burst three times, 5-12 messages about a second apart. Arrival order is
// event time with up to 2 s of disorder (the watermark allows 5 s), so no
// row is late. 1,037,265 events. runtime/exec's spamEvents is the same
// generator (for the operator alone): keep the two in step.
func spamEvents(seed uint64) []spamEvent {
	r := rand.New(rand.NewPCG(seed, 1))
	var ev []spamEvent
	for u := int32(0); u < spamUsers; u++ {
		first := r.Int64N(spamSpan - 60)
		ev = append(ev, spamEvent{user: u, ts: first}) // joined
		for range 1 + r.IntN(15) {
			ev = append(ev, spamEvent{user: u, msg: true, ts: first + r.Int64N(spamSpan-first)})
		}
		if r.IntN(10) == 0 {
			ev = append(ev, spamEvent{user: u, ts: first + r.Int64N(spamSpan-first)}) // left
		}
		if u < spamBursters {
			for range 3 {
				t := first + r.Int64N(spamSpan-first-20)
				for range 5 + r.IntN(8) {
					ev = append(ev, spamEvent{user: u, msg: true, ts: t})
					t += int64(r.IntN(3)) // 0, 1 or 2 s apart: about one a second
				}
			}
		}
	}
	// arrival: event time plus up to 2.999 s of jitter, so a row arrives
	// at most 2 s after a row with a later event time
	key := make([]int64, len(ev))
	idx := make([]int32, len(ev))
	for i := range ev {
		key[i] = ev[i].ts*1000 + r.Int64N(3000)
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return int(key[a] - key[b]) })
	out := make([]spamEvent, len(ev))
	for i, j := range idx {
		out[i] = ev[j]
		out[i].ts += spamEpoch
	}
	return out
}

// spamExpected is the reference answer of queries/cep_spam.sql on events:
// per user, rows in event-time order (ties in arrival order), greedy
// M{5,} within 10 s (last row at most 10 s after the first), SKIP PAST
// LAST ROW. It returns the number of matches and of messages in them.
func spamExpected(events []spamEvent) (matches, messages int) {
	per := make([][]spamEvent, spamUsers)
	for _, e := range events {
		per[e.user] = append(per[e.user], e)
	}
	for _, rows := range per {
		slices.SortStableFunc(rows, func(a, b spamEvent) int { return int(a.ts - b.ts) })
		for i := 0; i < len(rows); {
			j := i
			for j < len(rows) && rows[j].msg && rows[j].ts-rows[i].ts <= 10 {
				j++
			}
			if j-i >= 5 {
				matches++
				messages += j - i
				i = j
			} else {
				i++
			}
		}
	}
	return matches, messages
}

var spamTexts = []string{"hi", "hello all", "how is everyone?", "lol", "buy cheap coins", "see you", "what time is it?"}

// writeSpamEvents writes events as seed-format JSON lines.
func writeSpamEvents(tb testing.TB, path string, events []spamEvent) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	buf := make([]byte, 0, 256)
	for i, e := range events {
		m := datagen.ChatMessage{Username: fmt.Sprintf("user%06d", e.user), Type: datagen.TypeMessage,
			Text: spamTexts[i%len(spamTexts)], PreferredLanguage: "en", Timestamp: e.ts}
		if !e.msg {
			m.Type, m.Text = datagen.TypeJoined, "joined"
			if i%2 == 0 {
				m.Type, m.Text = datagen.TypeLeft, "left"
			}
		}
		buf = append(m.AppendJSON(buf[:0]), '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// kafkaWith is the WITH clause of a CREATE SOURCE or SINK of queries/.
var kafkaWith = regexp.MustCompile(`(?s)WITH \(\s*'connector' = 'kafka'.*?\n\)`)

// spamScript is queries/cep_spam.sql as shipped, its Kafka source and sink
// replaced by files.
func spamScript(tb testing.TB, in, out string) string {
	b, err := os.ReadFile("../../queries/cep_spam.sql")
	if err != nil {
		tb.Fatal(err)
	}
	with := []string{
		"WITH ('connector' = 'file', 'path' = '" + in + "', 'format' = 'json')",
		"WITH ('connector' = 'file', 'path' = '" + out + "', 'format' = 'json')",
	}
	n := 0
	script := kafkaWith.ReplaceAllStringFunc(string(b), func(string) string {
		n++
		return with[min(n, 2)-1]
	})
	if n != 2 {
		tb.Fatalf("queries/cep_spam.sql: %d Kafka WITH clauses, want 2 (source and sink)", n)
	}
	return script
}

// BenchmarkCEPSpam is issue 4's spam figure: queries/cep_spam.sql
// (PARTITION BY username, PATTERN (M{5,}) WITHIN INTERVAL '10' SECOND,
// ONE ROW PER MATCH) through the engine, its Kafka topics replaced by files:
// a JSON-lines file of about a million events of 100,000 users (see
// spamEvents) -> parse JSON -> event time and watermark -> MATCH_RECOGNIZE
// -> JSON -> file. Every run checks the alerts against the reference
// answer (spamExpected). Run with -cpu 1: events/cpu-s is the per-core
// rate (CPU time of the whole process, GC included).
func BenchmarkCEPSpam(b *testing.B) {
	chatruntime.ApplyGCDefaults()
	dir := b.TempDir()
	events := spamEvents(42)
	wantMatches, wantMessages := spamExpected(events)
	in, out := filepath.Join(dir, "chat.jsonl"), filepath.Join(dir, "alerts.jsonl")
	writeSpamEvents(b, in, events)
	script := spamScript(b, in, out)
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		s, err := New(Config{DataDir: b.TempDir(), Logf: func(string, ...any) {}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ExecScript(context.Background(), "cep_spam.sql", script); err != nil {
			b.Fatal(diag.FormatError(err))
		}
		if err := s.WaitJobs(context.Background()); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	matches, messages := readSpamAlerts(b, out)
	if matches != wantMatches || messages != wantMessages {
		b.Fatalf("%d alerts over %d messages, want %d over %d", matches, messages, wantMatches, wantMessages)
	}
	n := float64(len(events) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(n/cpu.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(len(events)), "events")
	b.ReportMetric(float64(matches), "matches")
	b.ReportMetric(0, "ns/op")
}

// readSpamAlerts counts the alerts of the last run and the messages they
// report.
func readSpamAlerts(tb testing.TB, path string) (alerts, messages int) {
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var a struct {
			Alert    string `json:"alert"`
			Messages int    `json:"messages"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil || a.Alert != "SPAM" || a.Messages < 5 {
			tb.Fatalf("not a spam alert: %s (%v)", line, err)
		}
		alerts++
		messages += a.Messages
	}
	return alerts, messages
}

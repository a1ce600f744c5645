package session

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/chatsql/chatsql/runtime/cep/ceptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	chatruntime "github.com/chatsql/chatsql/runtime"

	"github.com/chatsql/chatsql/connectors/datagen"
	"github.com/chatsql/chatsql/planner/diag"
)

var spamTexts = []string{"hi", "hello all", "how is everyone?", "lol", "buy cheap coins", "see you", "what time is it?"}

// writeSpamEvents writes events as seed-format JSON lines.
func writeSpamEvents(tb testing.TB, path string, events []ceptest.Event) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	buf := make([]byte, 0, 256)
	for i, e := range events {
		m := datagen.ChatMessage{Username: fmt.Sprintf("user%06d", e.User), Type: datagen.TypeMessage,
			Text: spamTexts[i%len(spamTexts)], PreferredLanguage: "en", Timestamp: e.TS}
		if !e.Msg {
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
// ceptest.SpamEvents) -> parse JSON -> event time and watermark -> MATCH_RECOGNIZE
// -> JSON -> file. Every run checks the alerts against the reference
// answer (ceptest.SpamExpected). Run with -cpu 1: events/cpu-s is the per-core
// rate (CPU time of the whole process, GC included).
func BenchmarkCEPSpam(b *testing.B) {
	chatruntime.ApplyGCDefaults()
	dir := b.TempDir()
	events := ceptest.SpamEvents(42)
	wantMatches, wantMessages := ceptest.SpamExpected(events)
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

package session

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/datagen"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/plan"
	chatruntime "github.com/chatsql/chatsql/runtime"
)

// memSample is the process's memory after a given number of messages went
// through the pipeline: heap in use after a full GC (live objects plus the
// spans holding them) and the resident set from /proc/self/status.
type memSample struct {
	rows      int64 // messages written by the sink when sampled
	heapInuse uint64
	heapAlloc uint64
	rss       uint64 // bytes; 0 where /proc is missing
}

func (m memSample) String() string {
	return fmt.Sprintf("after %d messages: heap in use %.1f MB (live %.1f MB), RSS %.1f MB",
		m.rows, mb(m.heapInuse), mb(m.heapAlloc), mb(m.rss))
}

// withGCDefaults sets the GC target the chatsql binary runs with, for the
// rest of the benchmark, and puts back the package's (Go's default) after.
func withGCDefaults(b *testing.B) {
	prev := debug.SetGCPercent(100)
	debug.SetGCPercent(prev)
	b.Cleanup(func() { debug.SetGCPercent(prev) })
	chatruntime.ApplyGCDefaults()
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// vmRSS reads VmRSS from /proc/self/status, in bytes.
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func sampleMemory(rows int64) memSample {
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return memSample{rows: rows, heapInuse: ms.HeapInuse, heapAlloc: ms.HeapAlloc, rss: vmRSS()}
}

// writeChatLines writes n seed-format records from datagen's chat traffic
// to dir/chat.jsonl.
func writeChatLines(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, "chat.jsonl")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := datagen.NewChatGenerator(42)
	buf := make([]byte, 0, 512)
	for range n {
		buf = append(g.Next().AppendJSON(buf[:0]), '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// runMemory runs the engine path (file of JSON lines -> parse -> message
// id + JSON_OBJECT with TRANSLATE answered instantly -> JSON -> file) and
// samples memory when the sink has written each of at (ascending) messages.
// The input holds a tenth more than the last mark, so that every sample is
// taken while the job still runs, with its buffers in use.
func runMemory(tb testing.TB, at []int64) []memSample {
	tb.Helper()
	last := at[len(at)-1]
	dir := tb.TempDir()
	in := writeChatLines(tb, dir, int(last+last/10))
	script := `
CREATE SOURCE chat_messages (
  username VARCHAR, text VARCHAR, type VARCHAR, preferredLanguage VARCHAR, ` + "`timestamp`" + ` BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(` + "`timestamp`" + `, 0),
  src VARCHAR METADATA FROM 'file.path' VIRTUAL,
  line BIGINT METADATA FROM 'file.line' VIRTUAL,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '` + in + `', 'format' = 'json');
CREATE SINK processing_fanout WITH ('connector' = 'file', 'path' = '` + filepath.Join(dir, "out.jsonl") + `', 'format' = 'json') AS
SELECT 'chat_message' AS type, ` + "`timestamp`" + `,
       JSON_OBJECT('id', CONCAT('msg-', UUID(src, 0, line)), 'username', username, 'text', text,
                   'translated', TRANSLATE(text, preferredLanguage), 'language', preferredLanguage) AS payload
FROM chat_messages;`
	s, err := New(Config{DataDir: tb.TempDir(), Logf: func(string, ...any) {}, Functions: translateFunctions(tb, true)})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ExecScript(context.Background(), "memory.sql", script); err != nil {
		tb.Fatal(diag.FormatError(err))
	}
	sinkRows := func() (int64, bool) {
		jobs := s.Jobs()
		if len(jobs) != 1 {
			return 0, false
		}
		st := jobs[0].Status
		for _, op := range st.Operators {
			if op.Kind == plan.KindSink {
				return op.RowsIn, st.Ended.IsZero()
			}
		}
		return 0, st.Ended.IsZero()
	}
	var out []memSample
	deadline := time.Now().Add(5 * time.Minute)
	for len(out) < len(at) {
		rows, running := sinkRows()
		if rows >= at[len(out)] {
			out = append(out, sampleMemory(rows))
			continue
		}
		if !running {
			tb.Fatalf("the job ended after %d messages, before the mark at %d: %v", rows, at[len(out)], s.Jobs()[0].Status.Err)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("only %d messages after 5 minutes", rows)
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.StopJobs(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return out
}

// window is five marks 10,000 messages apart from mark on: the live heap
// at one instant depends on how full the queues between operators are (a
// few MB either way), so a figure is the least of five samples, the heap
// the pipeline needs, not what happened to be in flight.
func window(mark int64) []int64 {
	return []int64{mark, mark + 10_000, mark + 20_000, mark + 30_000, mark + 40_000}
}

// leastHeap is the sample with the least heap in use among samples[i:i+5].
func leastHeap(samples []memSample, i int) memSample {
	least := samples[i]
	for _, m := range samples[i+1 : i+5] {
		if m.heapInuse < least.heapInuse {
			least = m
		}
	}
	return least
}

// TestMemoryFlat guards against a leak per message on the engine path: the
// heap in use after a million messages is at most 1.5 times what it was
// after 200,000 (on a baseline of about 8 MB, a leak of 8 bytes per message
// would add 6 MB). About three seconds; -short runs a fifth of it.
func TestMemoryFlat(t *testing.T) {
	early, late := int64(200_000), int64(1_000_000)
	if testing.Short() {
		early, late = 40_000, 200_000
	}
	samples := runMemory(t, append(window(early), window(late)...))
	first, last := leastHeap(samples, 0), leastHeap(samples, 5)
	t.Log(first)
	t.Log(last)
	// Floors: queues and pools make a small heap jumpy (+4 MB), and how
	// full the queues are when the early samples are taken varies between
	// runs (5 to 11 MB seen for the same early mark), so anything up to
	// 16 MB passes; a leak of 8 bytes per message still ends above it.
	if limit := max(first.heapInuse*3/2, first.heapInuse+4<<20, 16<<20); last.heapInuse > limit {
		t.Errorf("heap in use grew from %.1f MB after %d messages to %.1f MB after %d (limit %.1f MB): a leak per message?",
			mb(first.heapInuse), first.rows, mb(last.heapInuse), last.rows, mb(limit))
	}
}

// BenchmarkMemory reports the heap in use (after a full GC; the least of
// five samples 10,000 messages apart) and the resident set after 100,000,
// 500,000 and 1,000,000 messages on the engine path, with the GC settings
// the chatsql binary uses. One iteration is the whole million; run it with
// -benchtime 1x.
func BenchmarkMemory(b *testing.B) {
	withGCDefaults(b)
	marks := []int64{100_000, 500_000, 1_000_000}
	var at []int64
	for _, m := range marks {
		at = append(at, window(m)...)
	}
	var samples []memSample
	for range b.N {
		samples = runMemory(b, at)
	}
	for i, mark := range marks {
		m := leastHeap(samples, 5*i)
		b.Log(m)
		k := fmt.Sprintf("%dk", mark/1000)
		if mark == 1_000_000 {
			k = "1M"
		}
		b.ReportMetric(mb(m.heapInuse), "heap-MB-"+k)
		b.ReportMetric(mb(m.rss), "rss-MB-"+k)
	}
	b.ReportMetric(0, "ns/op")
}

package session

import (
	"context"
	chatruntime "github.com/chatsql/chatsql/runtime"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/datagen"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/types"
)

// instantCaller answers TRANSLATE at once, so that a benchmark measures the
// engine, not an LLM (see translateFunctions).
type instantCaller struct{}

func (instantCaller) Call(_ context.Context, args []types.Value, done func(types.Value, error)) {
	if args[0].IsNull() {
		done(types.NullValue, nil)
		return
	}
	done(types.NewString("["+args[1].Str()+"] "+args[0].Str()), nil)
}
func (instantCaller) Close() error { return nil }

// chatFile writes n seed-format records from datagen's chat traffic.
func chatFile(b *testing.B, dir string, n int) string {
	path := filepath.Join(dir, "chat.jsonl")
	g := datagen.NewChatGenerator(42)
	buf := make([]byte, 0, 1<<20)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		m := g.Next()
		buf = m.AppendJSON(buf)
		buf = append(buf, '\n')
		if len(buf) > 1<<19 {
			f.Write(buf)
			buf = buf[:0]
		}
	}
	f.Write(buf)
	f.Close()
	return path
}

// BenchmarkEnginePipeline is the engine path of the seed's pipeline on one
// core when run with -cpu 1 (GOMAXPROCS=1): file (JSON lines) -> parse JSON
// -> message id + JSON_OBJECT with TRANSLATE (answered instantly) ->
// serialize JSON -> file. Reported: messages/s.
func BenchmarkEnginePipeline(b *testing.B) {
	chatruntime.ApplyGCDefaults() // as the chatsql binary does
	const n = 200_000
	dir := b.TempDir()
	in := chatFile(b, dir, n)
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
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s, err := New(Config{DataDir: b.TempDir(), Logf: func(string, ...any) {}, Functions: translateFunctions(b, true)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ExecScript(context.Background(), "bench.sql", script); err != nil {
			b.Fatal(diag.FormatError(err))
		}
		if err := s.WaitJobs(context.Background()); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
	// CPU time is the honest per-core figure on a shared machine: with
	// GOMAXPROCS=1 the process uses at most one core (plus GC assists).
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "msgs/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

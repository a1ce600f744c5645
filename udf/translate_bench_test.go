package udf_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/datagen"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
)

// BenchmarkTranslateChatMix is issue 3's measurement: datagen's realistic
// chat mix offered at 2,000 messages/s, each translated for a reader in
// one of 5 languages, by a fake LLM that takes 300 ms per request. Reported
// per configuration: LLM requests per 1,000 messages, tokens per message,
// share of calls that needed no new request (cache, shared in flight,
// skipped), and the latency TRANSLATE adds (Call to done), p50/p99.
//
// Configurations: "default" (batching, cache, skip), "unique" (every text
// made unique: no cache help), "record-at-a-time" (no batching, no cache,
// no skip: Flink's async I/O). Each runs CHATSQL_BENCH_DURATION (default
// 10 s) of traffic; run with -benchtime 1x.
func BenchmarkTranslateChatMix(b *testing.B) {
	dur := 10 * time.Second
	if v := os.Getenv("CHATSQL_BENCH_DURATION"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			dur = d
		}
	}
	configs := []struct {
		name     string
		unique   bool
		settings []string
	}{
		{"default", false, nil},
		{"unique", true, nil},
		{"record-at-a-time", false, []string{udf.SettingTranslationBatchWindow, "0", udf.SettingTranslationCacheSize, "0",
			udf.SettingTranslationSkip, "false", udf.SettingTranslationMaxConcurrent, "2000"}},
	}
	for _, cfg := range configs {
		b.Run(cfg.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r := runChatMix(b, dur, 2000, cfg.unique, cfg.settings)
				b.ReportMetric(r.requestsPer1000, "req/1000msgs")
				b.ReportMetric(r.tokensPerMsg, "tokens/msg")
				b.ReportMetric(100*r.noRequest, "%no-request")
				b.ReportMetric(float64(r.p50.Milliseconds()), "p50-ms")
				b.ReportMetric(float64(r.p99.Milliseconds()), "p99-ms")
				b.ReportMetric(r.nullRate*100, "%NULL")
				b.ReportMetric(0, "ns/op")
				b.Logf("%s: %d messages at %.0f/s: %d requests (%.1f per 1,000 messages, %.1f texts each), %.1f tokens/message, "+
					"%.1f%% needed no request (cache %d, shared %d, skipped %d), added latency p50 %v p99 %v max %v, %d NULL, est. $%.4f",
					cfg.name, r.messages, r.rate, r.stats.Requests, r.requestsPer1000, float64(r.stats.Texts)/max(1, float64(r.stats.Requests)),
					r.tokensPerMsg, 100*r.noRequest, r.stats.CacheHits, r.stats.CacheShared, r.stats.Skipped, r.p50, r.p99, r.max,
					r.stats.Failures, r.stats.CostUSD)
			}
		})
	}
}

type chatMixResult struct {
	messages        int
	rate            float64
	requestsPer1000 float64
	tokensPerMsg    float64
	noRequest       float64
	nullRate        float64
	p50, p99, max   time.Duration
	stats           udf.Stats
}

var chatMixJobs int

func runChatMix(b *testing.B, dur time.Duration, rate float64, unique bool, extra []string) chatMixResult {
	srv := llmtest.New(llmtest.WithLatency(300 * time.Millisecond))
	defer srv.Close()
	settings := fastSettings(srv, extra...)
	settings[udf.SettingTranslationTimeout] = "10 s"
	f, _ := udf.Default.Async("TRANSLATE")
	chatMixJobs++
	job := fmt.Sprintf("bench-chat-mix-%d", chatMixJobs)
	c, err := f.New(udf.Env{JobID: job, Settings: settings, Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	gen := datagen.NewChatGenerator(7)
	readers := rand.New(rand.NewPCG(7, 11))
	langs := []string{"en", "es", "pt", "fr", "de"}
	n := int(rate * dur.Seconds())
	lat := make([]time.Duration, n)
	nulls := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		// pace: message i is due at start + i/rate
		if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		m := gen.Next()
		text := m.Text
		if unique {
			text = fmt.Sprintf("%s (#%d)", text, i)
		}
		lang := langs[readers.IntN(len(langs))]
		wg.Add(1)
		called := time.Now()
		c.Call(context.Background(), []types.Value{types.NewString(text), types.NewString(lang)}, func(v types.Value, err error) {
			lat[i] = time.Since(called)
			if v.IsNull() {
				mu.Lock()
				nulls++
				mu.Unlock()
			}
			wg.Done()
		})
	}
	offered := float64(n) / time.Since(start).Seconds()
	wg.Wait()
	st := udf.TranslateStats(job)
	slices.Sort(lat)
	return chatMixResult{
		messages: n, rate: offered,
		requestsPer1000: float64(st.Requests) * 1000 / float64(n),
		tokensPerMsg:    float64(st.InputTokens+st.OutputTokens) / float64(n),
		noRequest:       st.HitRate(),
		nullRate:        float64(nulls) / float64(n),
		p50:             lat[n/2], p99: lat[n*99/100], max: lat[n-1],
		stats: st,
	}
}

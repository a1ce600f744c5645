package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatsql/chatsql/udf/llmtest"
)

// translateJob translates datagen's chat (which repeats itself) for its
// readers, so that batching, the cache and the skip rules all show.
const translateJob = `
SET 'execution.checkpointing.interval' = '500ms';
SET 'translation.circuit-breaker.failures' = '3';
SET 'translation.circuit-breaker.cooldown' = '1 min';
SET 'translation.max-retries' = '0';

CREATE SOURCE chat (
  username VARCHAR, text VARCHAR, preferredLanguage VARCHAR
) WITH ('connector' = 'datagen', 'rows-per-second' = '400');

CREATE SINK translated WITH ('connector' = 'file', 'path' = 'translated.jsonl', 'format' = 'json') AS
SELECT username, TRANSLATE(text, preferredLanguage) AS translated FROM chat;
`

// TestTranslateMetricsScraped scrapes /metrics while a job translates:
// calls, requests, texts per request, cache hits, tokens and cost grow, and
// requests stay well below calls (batching and the cache at work); then the
// LLM goes down: failures by kind grow and the circuit breaker opens.
func TestTranslateMetricsScraped(t *testing.T) {
	llm := llmtest.New(llmtest.WithLatency(20 * time.Millisecond))
	defer llm.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "job.sql"), translateJob)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(binary, "run", "--metrics-addr", addr, "--llm-base-url", llm.URL(),
		"--data-dir", filepath.Join(dir, "data"), "job.sql")
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	var stderr syncBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	const job = "translated"
	var first metricFamilies
	waitFor(t, func() bool {
		first = tryScrape(addr)
		return first != nil && first.value("chatsql_translate_calls_total", "job", job, "outcome", "ok") >= 200
	})
	time.Sleep(time.Second)
	second := tryScrape(addr)
	if second == nil {
		t.Fatalf("second scrape failed; stderr:\n%s", stderr.String())
	}
	grow := func(name string, labels ...string) (float64, float64) {
		t.Helper()
		a, b := first.value(name, labels...), second.value(name, labels...)
		if !(b > a) {
			t.Errorf("%s%v: %v then %v, want growth", name, labels, a, b)
		}
		return a, b
	}
	_, calls := grow("chatsql_translate_calls_total", "job", job, "outcome", "ok")
	_, requests := grow("chatsql_translate_requests_total", "job", job, "model", "gpt-4o-mini", "provider", "openai", "outcome", "ok")
	grow("chatsql_translate_cache_lookups_total", "job", job, "result", "hit")
	grow("chatsql_translate_cache_lookups_total", "job", job, "result", "miss")
	grow("chatsql_translate_tokens_total", "job", job, "model", "gpt-4o-mini", "direction", "input")
	grow("chatsql_translate_tokens_total", "job", job, "model", "gpt-4o-mini", "direction", "output")
	grow("chatsql_translate_cost_usd_total", "job", job, "model", "gpt-4o-mini")
	if requests*2 > calls {
		t.Errorf("%v requests for %v calls: batching and the cache should need far fewer", requests, calls)
	}
	if h := second.histogram("chatsql_translate_batch_size", "job", job, "model", "gpt-4o-mini"); h == nil || h.GetSampleCount() == 0 ||
		h.GetSampleSum()/float64(h.GetSampleCount()) <= 1 {
		t.Errorf("chatsql_translate_batch_size: %v, want batches of more than one text on average", h)
	}
	if h := second.histogram("chatsql_translate_latency_seconds", "job", job, "model", "gpt-4o-mini"); h == nil || h.GetSampleCount() == 0 {
		t.Error("chatsql_translate_latency_seconds has no samples")
	}
	if v := second.value("chatsql_translate_circuit_open", "job", job, "model", "gpt-4o-mini"); v != 0 {
		t.Errorf("circuit open = %v while the LLM answers", v)
	}
	if llm.Calls() < int(requests) {
		t.Errorf("the server saw %d requests, the metric says %v", llm.Calls(), requests)
	}

	// the LLM goes down: 503s, then the breaker opens and calls fail fast
	llm.SetDown(true)
	var third metricFamilies
	waitFor(t, func() bool {
		third = tryScrape(addr)
		return third != nil && third.value("chatsql_translate_circuit_open", "job", job, "model", "gpt-4o-mini") == 1 &&
			third.value("chatsql_translate_failures_total", "job", job, "model", "gpt-4o-mini", "kind", "circuit_open") > 0
	})
	if v := third.value("chatsql_translate_failures_total", "job", job, "model", "gpt-4o-mini", "kind", "server_error"); v < 1 {
		t.Errorf("failures{kind=server_error} = %v after the LLM went down", v)
	}
	if v := third.value("chatsql_translate_requests_total", "job", job, "model", "gpt-4o-mini", "provider", "openai", "outcome", "server_error"); v < 3 {
		t.Errorf("requests{outcome=server_error} = %v, want the 3 that opened the breaker", v)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
}

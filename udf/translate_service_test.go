package udf_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
)

// callAll starts one call per text (into lang) at once and waits for all.
func callAll(t *testing.T, c udf.AsyncCaller, lang string, texts []string) ([]types.Value, []error) {
	t.Helper()
	vals := make([]types.Value, len(texts))
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for i, text := range texts {
		wg.Add(1)
		var once atomic.Bool
		c.Call(context.Background(), []types.Value{str(text), str(lang)}, func(v types.Value, err error) {
			if !once.CompareAndSwap(false, true) {
				t.Errorf("done called twice for %q", text)
				return
			}
			vals[i], errs[i] = v, err
			wg.Done()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("calls did not finish within 30 s")
	}
	return vals, errs
}

func distinctTexts(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s message number %d about the game", prefix, i)
	}
	return out
}

// TestTranslateDeduplicatesCallsInFlight: identical calls that arrive while
// the first is in flight share its request.
func TestTranslateDeduplicatesCallsInFlight(t *testing.T) {
	srv := llmtest.New(llmtest.WithLatency(50 * time.Millisecond))
	defer srv.Close()
	c, job, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationBatchWindow, "0"))
	texts := make([]string, 20)
	for i := range texts {
		texts[i] = "Thank you!"
	}
	texts[7] = "  Thank   you! " // the same text once normalised
	vals, errs := callAll(t, c, "de", texts)
	for i := range vals {
		if errs[i] != nil || vals[i].Str() != "Danke!" {
			t.Errorf("call %d: %v, %v", i, vals[i], errs[i])
		}
	}
	if srv.Calls() != 1 {
		t.Errorf("%d requests for 20 identical calls, want 1", srv.Calls())
	}
	if st := udf.TranslateStats(job); st.CacheMisses != 1 || st.CacheShared+st.CacheHits != 19 || st.Calls != 20 {
		t.Errorf("stats %+v", st)
	}
}

// TestTranslateJournalMakesNoSecondCall: a job restarted on the same state
// directory (after a crash: the first caller is never closed) finds the
// translations it made and does not ask the LLM again.
func TestTranslateJournalMakesNoSecondCall(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	dir := t.TempDir()
	f, _ := udf.Default.Async("TRANSLATE")
	texts := distinctTexts("journal", 40)
	first, err := f.New(udf.Env{JobID: "journal-run-1", Settings: fastSettings(srv), StateDir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	want, errs := callAll(t, first, "fr", texts)
	for i := range errs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	calls := srv.Calls()
	// first is left open, as a killed process leaves it
	logs := &logRecorder{}
	second, err := f.New(udf.Env{JobID: "journal-run-2", Settings: fastSettings(srv), StateDir: dir, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	got, errs := callAll(t, second, "fr", texts)
	for i := range got {
		if errs[i] != nil || got[i].Str() != want[i].Str() {
			t.Errorf("after restart %q -> %v, %v; first run said %v", texts[i], got[i], errs[i], want[i])
		}
	}
	if srv.Calls() != calls {
		t.Errorf("the restarted job made %d more requests", srv.Calls()-calls)
	}
	if st := udf.TranslateStats("journal-run-2"); st.CacheHits != int64(len(texts)) {
		t.Errorf("stats after restart %+v", st)
	}
	first.Close()
}

// TestTranslateCircuitBreakerOpensAndCloses: an endpoint that keeps failing
// opens the breaker (calls get NULL at once, no requests), and after the
// cooldown one probe that succeeds closes it.
func TestTranslateCircuitBreakerOpensAndCloses(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	srv := llmtest.New(llmtest.WithHook(func(llmtest.Request) *llmtest.Fault {
		if down.Load() {
			f := llmtest.Status(503)
			return &f
		}
		return nil
	}))
	defer srv.Close()
	c, job, logs := newCaller(t, fastSettings(srv,
		udf.SettingTranslationBatchWindow, "0",
		udf.SettingTranslationMaxRetries, "1",
		udf.SettingTranslationBreakerFailures, "4",
		udf.SettingTranslationBreakerCooldown, "300 ms"))
	// 2 calls x 2 attempts = 4 failures: the breaker opens
	for i := 0; i < 2; i++ {
		v, err := call(t, context.Background(), c, str(fmt.Sprintf("down %d", i)), str("es"))
		if !v.IsNull() || !errors.Is(err, udf.ErrTranslateServerError) {
			t.Fatalf("call %d while down: %v, %v", i, v, err)
		}
	}
	requests := srv.Calls()
	if requests != 4 {
		t.Fatalf("%d requests, want 4", requests)
	}
	start := time.Now()
	for i := 0; i < 10; i++ {
		v, err := call(t, context.Background(), c, str(fmt.Sprintf("refused %d", i)), str("es"))
		if !v.IsNull() || !errors.Is(err, udf.ErrTranslateCircuitOpen) {
			t.Fatalf("call %d with the breaker open: %v, %v", i, v, err)
		}
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("10 refused calls took %v: not fast", d)
	}
	if srv.Calls() != requests {
		t.Errorf("%d requests while the breaker was open", srv.Calls()-requests)
	}
	if st := udf.TranslateStats(job); st.CircuitOpen != 1 {
		t.Errorf("stats %+v, want one open breaker", st)
	}
	down.Store(false)
	time.Sleep(350 * time.Millisecond)
	v, err := call(t, context.Background(), c, str("Hello world!"), str("es"))
	if err != nil || v.Str() != "¡Hola mundo!" {
		t.Fatalf("probe after the cooldown: %v, %v", v, err)
	}
	if st := udf.TranslateStats(job); st.CircuitOpen != 0 {
		t.Errorf("stats %+v, want the breaker closed", st)
	}
	opened, closed := false, false
	for _, l := range logs.all() {
		opened = opened || strings.Contains(l, "circuit breaker open")
		closed = closed || strings.Contains(l, "circuit breaker closed")
	}
	if !opened || !closed {
		t.Errorf("log does not say the breaker opened and closed: %q", logs.all())
	}
}

// TestTranslateRequestBudget: with a requests-per-minute budget the calls
// wait for it instead of drawing 429s.
func TestTranslateRequestBudget(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	// 1200/min = 20/s with a burst of 120: 160 requests need ~2 s
	c, _, _ := newCaller(t, fastSettings(srv,
		udf.SettingTranslationBatchWindow, "0",
		udf.SettingTranslationRequestsPerMinute, "1200"))
	start := time.Now()
	vals, errs := callAll(t, c, "it", distinctTexts("budget", 160))
	for i := range vals {
		if errs[i] != nil || vals[i].IsNull() {
			t.Fatalf("call %d: %v, %v", i, vals[i], errs[i])
		}
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("160 requests at 20/s (burst 120) took %v, want about 2 s", d)
	}
}

// TestTranslateBatchingCutsRequests: 300 texts into 3 languages arriving
// together go out in batches of up to translation.batch.max-size, one
// language per request, and every row gets its own translation.
func TestTranslateBatchingCutsRequests(t *testing.T) {
	srv := llmtest.New(llmtest.WithLatency(20 * time.Millisecond))
	defer srv.Close()
	c, job, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationBatchMaxSize, "25"))
	var wg sync.WaitGroup
	for _, lang := range []string{"es", "fr", "de"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			texts := distinctTexts("batch", 100)
			texts[0] = "Hello world!"
			vals, errs := callAll(t, c, lang, texts)
			for i := range vals {
				if want := llmtest.Translate(lang, texts[i]); errs[i] != nil || vals[i].Str() != want {
					t.Errorf("%s %q -> %v, %v; want %q", lang, texts[i], vals[i], errs[i], want)
				}
			}
		}()
	}
	wg.Wait()
	// 100 texts per language in batches of at most 25: at least 12 requests
	if n := srv.Calls(); n < 12 || n > 24 {
		t.Errorf("%d requests for 300 texts in batches of 25", n)
	}
	for _, r := range srv.Requests() {
		if !r.Batch && len(srv.Requests()) > 0 && len(r.Texts) == 1 {
			continue
		}
		if len(r.Texts) > 25 {
			t.Errorf("a request carried %d texts", len(r.Texts))
		}
	}
	if st := udf.TranslateStats(job); st.Texts != 300 || st.Requests != int64(srv.Calls()) {
		t.Errorf("stats %+v", st)
	}
}

// TestTranslateMalformedBatchFallsBack: a batch answer that does not match
// its texts (one short, or prose) is retried text by text, and every row
// still gets its correct translation.
func TestTranslateMalformedBatchFallsBack(t *testing.T) {
	for name, fault := range map[string]llmtest.Fault{"wrong length": llmtest.BatchWrongLength(), "not JSON": llmtest.BatchNotJSON()} {
		t.Run(name, func(t *testing.T) {
			srv := llmtest.New(llmtest.WithFaults(fault))
			defer srv.Close()
			c, job, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationBatchWindow, "200 ms"))
			texts := distinctTexts("fallback", 10)
			vals, errs := callAll(t, c, "pt", texts)
			for i := range vals {
				if want := llmtest.Translate("pt", texts[i]); errs[i] != nil || vals[i].Str() != want {
					t.Errorf("%q -> %v, %v; want %q", texts[i], vals[i], errs[i], want)
				}
			}
			if sizes := srv.BatchSizes(); len(sizes) != 1 || sizes[0] != 10 {
				t.Errorf("batch sizes %v, want one batch of 10", sizes)
			}
			if srv.Calls() != 11 {
				t.Errorf("%d requests, want 1 batch + 10 single", srv.Calls())
			}
			for _, text := range texts {
				if n := srv.TextAnswers("pt", text); n != 1 {
					t.Errorf("%q answered %d times", text, n)
				}
			}
			if st := udf.TranslateStats(job); st.Fallbacks != 1 || st.Failures != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestTranslate429StormLosesNoRow: a provider that allows 10 requests/s
// and answers the rest with 429 + Retry-After: the job slows down (every
// request of the model waits out the Retry-After) and every row gets its
// translation, none NULL.
func TestTranslate429StormLosesNoRow(t *testing.T) {
	srv := llmtest.New(llmtest.WithRateLimit(10, 200*time.Millisecond))
	defer srv.Close()
	c, job, _ := newCaller(t, fastSettings(srv,
		udf.SettingTranslationBatchWindow, "0", // one request per text: a storm
		udf.SettingTranslationMaxRetries, "20",
		udf.SettingTranslationMaxBackoff, "1 s"))
	texts := distinctTexts("storm", 60)
	start := time.Now()
	vals, errs := callAll(t, c, "es", texts)
	elapsed := time.Since(start)
	for i := range vals {
		if want := llmtest.Translate("es", texts[i]); errs[i] != nil || vals[i].Str() != want {
			t.Errorf("%q -> %v, %v", texts[i], vals[i], errs[i])
		}
	}
	st := udf.TranslateStats(job)
	t.Logf("60 rows at a 10/s limit: %v, %d requests, %d answered 429, %d retries", elapsed, srv.Calls(), srv.RateLimited(), st.Retries)
	if srv.RateLimited() == 0 {
		t.Error("the storm drew no 429: the test tests nothing")
	}
	if elapsed < 4*time.Second {
		t.Errorf("60 rows through a 10/s limit (burst 10) in %v: faster than the limit allows", elapsed)
	}
	if elapsed > 20*time.Second {
		t.Errorf("60 rows through a 10/s limit took %v: the budget throttles far below the provider's limit", elapsed)
	}
	// the pause and the learned rate keep the storm from feeding itself:
	// after the first burst (50 429s at most) few requests draw a 429;
	// retrying each request on its own drew ten times as many
	if srv.RateLimited() > len(texts) {
		t.Errorf("%d 429s for %d rows", srv.RateLimited(), len(texts))
	}
}

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

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
)

var jobSeq atomic.Int64

// fastSettings points TRANSLATE at srv with backoffs short enough for tests.
func fastSettings(srv *llmtest.Server, extra ...string) map[string]string {
	m := map[string]string{
		udf.SettingTranslationBaseURL:        srv.URL(),
		udf.SettingTranslationAPIKey:         "",
		udf.SettingTranslationTimeout:        "2 s",
		udf.SettingTranslationInitialBackoff: "1 ms",
		udf.SettingTranslationMaxBackoff:     "5 ms",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// newCaller builds a TRANSLATE caller for a fresh job.
func newCaller(t *testing.T, settings map[string]string) (udf.AsyncCaller, string, *logRecorder) {
	t.Helper()
	f, ok := udf.Default.Async("translate")
	if !ok {
		t.Fatal("TRANSLATE is not registered")
	}
	job := fmt.Sprintf("test-job-%d-%s", jobSeq.Add(1), t.Name())
	logs := &logRecorder{}
	c, err := f.New(udf.Env{JobID: job, Settings: settings, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, job, logs
}

// call runs one call synchronously and checks done is called exactly once.
func call(t *testing.T, ctx context.Context, c udf.AsyncCaller, args ...types.Value) (types.Value, error) {
	t.Helper()
	type result struct {
		v   types.Value
		err error
	}
	ch := make(chan result, 2)
	c.Call(ctx, args, func(v types.Value, err error) { ch <- result{v, err} })
	select {
	case r := <-ch:
		select {
		case <-ch:
			t.Fatal("done called twice")
		case <-time.After(5 * time.Millisecond):
		}
		return r.v, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("done never called")
	}
	return types.Value{}, nil
}

func str(s string) types.Value { return types.NewString(s) }

func TestTranslateSeedExample(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	c, job, _ := newCaller(t, fastSettings(srv))
	v, err := call(t, context.Background(), c, str("Hello world!"), str("es"))
	if err != nil || v.Str() != "¡Hola mundo!" {
		t.Fatalf("got %v, %v; want ¡Hola mundo!", v, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Model != udf.DefaultTranslationModel || reqs[0].Lang != "es" || reqs[0].Text != "Hello world!" {
		t.Fatalf("requests %+v", reqs)
	}
	if auth := reqs[0].Header.Get("Authorization"); auth != "" {
		t.Errorf("no key configured, yet Authorization %q was sent", auth)
	}
	if st := udf.TranslateStats(job); st.Calls != 1 || st.Failures != 0 || st.Requests != 1 || st.Texts != 1 ||
		st.CacheMisses != 1 || st.InputTokens == 0 || st.CostUSD <= 0 || st.Provider != "openai" {
		t.Errorf("stats %+v", st)
	}
	// the same call again is served by the cache
	if v, err := call(t, context.Background(), c, str("Hello world!"), str("es")); err != nil || v.Str() != "¡Hola mundo!" || srv.Calls() != 1 {
		t.Errorf("second call: %v, %v after %d requests", v, err, srv.Calls())
	}
	if st := udf.TranslateStats(job); st.CacheHits != 1 || st.Calls != 2 {
		t.Errorf("stats after a cache hit %+v", st)
	}
}

func TestTranslateRetries(t *testing.T) {
	tests := []struct {
		name       string
		faults     []llmtest.Fault
		settings   []string
		wantCalls  int
		wantText   string
		wantErr    error
		wantStatus int
		minElapsed time.Duration
	}{
		{name: "429 honours Retry-After", faults: []llmtest.Fault{llmtest.RateLimited(1)},
			wantCalls: 2, wantText: "¡Hola mundo!", minElapsed: time.Second},
		{name: "429 honours retry-after-ms", faults: []llmtest.Fault{{Kind: llmtest.FaultRateLimit, RetryAfterMs: "150"}},
			wantCalls: 2, wantText: "¡Hola mundo!", minElapsed: 150 * time.Millisecond},
		{name: "500 twice then ok", faults: llmtest.Repeat(2, llmtest.ServerError()),
			wantCalls: 3, wantText: "¡Hola mundo!"},
		{name: "503 and 408 and 409 retried", faults: []llmtest.Fault{llmtest.Status(503), llmtest.Status(408), llmtest.Status(409)},
			wantCalls: 4, wantText: "¡Hola mundo!"},
		{name: "malformed JSON retried", faults: []llmtest.Fault{llmtest.Malformed()},
			wantCalls: 2, wantText: "¡Hola mundo!"},
		{name: "400 not retried", faults: []llmtest.Fault{llmtest.Status(400)},
			wantCalls: 1, wantErr: udf.ErrTranslateClientError, wantStatus: 400},
		{name: "404 not retried", faults: []llmtest.Fault{llmtest.Status(404)},
			wantCalls: 1, wantErr: udf.ErrTranslateClientError, wantStatus: 404},
		{name: "500 past the last retry", faults: llmtest.Repeat(4, llmtest.ServerError()),
			settings:  []string{udf.SettingTranslationMaxRetries, "2"},
			wantCalls: 3, wantErr: udf.ErrTranslateServerError, wantStatus: 500},
		{name: "hang times out every attempt", faults: llmtest.Repeat(4, llmtest.Hang()),
			settings:  []string{udf.SettingTranslationTimeout, "100ms", udf.SettingTranslationMaxRetries, "2"},
			wantCalls: 3, wantErr: udf.ErrTranslateTimeout, minElapsed: 300 * time.Millisecond},
		{name: "hang once then ok", faults: []llmtest.Fault{llmtest.Hang()},
			settings:  []string{udf.SettingTranslationTimeout, "100ms"},
			wantCalls: 2, wantText: "¡Hola mundo!", minElapsed: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.New(llmtest.WithFaults(tt.faults...))
			defer srv.Close()
			c, job, _ := newCaller(t, fastSettings(srv, tt.settings...))
			start := time.Now()
			v, err := call(t, context.Background(), c, str("Hello world!"), str("es"))
			elapsed := time.Since(start)
			if got := srv.Calls(); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if elapsed < tt.minElapsed {
				t.Errorf("took %v, want at least %v", elapsed, tt.minElapsed)
			}
			st := udf.TranslateStats(job)
			if st.Retries != int64(tt.wantCalls-1) || st.Calls != 1 || st.InFlight != 0 {
				t.Errorf("stats %+v, want %d retries", st, tt.wantCalls-1)
			}
			if tt.wantErr == nil {
				if err != nil || v.Str() != tt.wantText {
					t.Fatalf("got %v, %v; want %q", v, err, tt.wantText)
				}
				return
			}
			if !v.IsNull() {
				t.Errorf("failed call returned %v, want NULL", v)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			var te *udf.TranslateError
			if !errors.As(err, &te) || te.Attempts != tt.wantCalls || te.Status != tt.wantStatus || te.Model != udf.DefaultTranslationModel {
				t.Errorf("TranslateError %+v, want %d attempts, status %d", te, tt.wantCalls, tt.wantStatus)
			}
			if st.Failures != 1 {
				t.Errorf("failures %d, want 1", st.Failures)
			}
		})
	}
}

// TestTranslate429RetriedUntilTheDeadline: a 429 means "later", so it is
// retried beyond translation.max-retries, until the call's deadline; then
// the row gets NULL with the 429 as the cause.
func TestTranslate429RetriedUntilTheDeadline(t *testing.T) {
	srv := llmtest.New(llmtest.WithFaults(llmtest.Repeat(1000, llmtest.RateLimited(0))...))
	defer srv.Close()
	c, _, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationMaxRetries, "1", udf.SettingTranslationTimeout, "200 ms",
		udf.SettingTranslationMaxBackoff, "20 ms"))
	start := time.Now()
	v, err := call(t, context.Background(), c, str("Hello world!"), str("es"))
	var te *udf.TranslateError
	if !v.IsNull() || !errors.Is(err, udf.ErrTranslateRateLimited) || !errors.As(err, &te) || te.Status != 429 {
		t.Fatalf("got %v, %v; want NULL and the 429", v, err)
	}
	// the deadline is 2 attempts x 200 ms + backoff: well past 2 attempts
	if srv.Calls() <= 2 || time.Since(start) > 2*time.Second {
		t.Errorf("%d attempts in %v", srv.Calls(), time.Since(start))
	}
}

func TestTranslateRetryAfterBeyondDeadlineFailsFast(t *testing.T) {
	srv := llmtest.New(llmtest.WithFaults(llmtest.RateLimited(30)))
	defer srv.Close()
	c, _, _ := newCaller(t, fastSettings(srv))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	v, err := call(t, ctx, c, str("Hello world!"), str("es"))
	if !v.IsNull() || !errors.Is(err, udf.ErrTranslateRateLimited) {
		t.Fatalf("got %v, %v; want NULL, rate limited", v, err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("waited %v for a Retry-After that could not fit the deadline", time.Since(start))
	}
}

func TestTranslateNoProvider(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	c, job, logs := newCaller(t, map[string]string{})
	for i := range 3 {
		v, err := call(t, context.Background(), c, str("Hello world!"), str("es"))
		if !v.IsNull() || !errors.Is(err, udf.ErrTranslateNoProvider) {
			t.Fatalf("call %d: got %v, %v; want NULL, no provider", i, v, err)
		}
	}
	lines := logs.all()
	if len(lines) != 1 || !strings.Contains(lines[0], "no LLM provider configured") || !strings.Contains(lines[0], "OPENAI_API_KEY") {
		t.Fatalf("log lines %q, want exactly one naming the missing provider", lines)
	}
	if st := udf.TranslateStats(job); st.Calls != 3 || st.Failures != 3 {
		t.Errorf("stats %+v, want 3 counted failures", st)
	}
}

func TestTranslateNullAndEmptyMakeNoCall(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	c, _, _ := newCaller(t, fastSettings(srv))
	tests := []struct {
		name string
		args []types.Value
		want types.Value
	}{
		{"NULL text", []types.Value{types.NullValue, str("es")}, types.NullValue},
		{"NULL language", []types.Value{str("hi"), types.NullValue}, types.NullValue},
		{"empty text", []types.Value{str(""), str("es")}, str("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := call(t, context.Background(), c, tt.args...)
			if err != nil || v.IsNull() != tt.want.IsNull() || v.Str() != tt.want.Str() {
				t.Errorf("got %v, %v; want %v", v, err, tt.want)
			}
		})
	}
	if srv.Calls() != 0 {
		t.Errorf("server saw %d calls, want 0", srv.Calls())
	}
}

func TestTranslateModelOverrideAndHeaders(t *testing.T) {
	srv := llmtest.New(llmtest.WithAPIKey("sk-fake"))
	defer srv.Close()
	c, _, _ := newCaller(t, fastSettings(srv,
		udf.SettingTranslationAPIKey, "sk-fake",
		udf.SettingTranslationCacheSize, "0", // every case reaches the server
		"TRANSLATION.MODELNAME", "model-from-setting",
		udf.SettingTranslationHeaders, "X-Tenant=acme; api-key=azure-123"))
	tests := []struct {
		name      string
		args      []types.Value
		wantModel string
	}{
		{"setting", []types.Value{str("Hello world!"), str("fr")}, "model-from-setting"},
		{"third argument", []types.Value{str("Hello world!"), str("fr"), str("llama3.1:8b")}, "llama3.1:8b"},
		{"NULL third argument", []types.Value{str("Hello world!"), str("fr"), types.NullValue}, "model-from-setting"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := call(t, context.Background(), c, tt.args...)
			if err != nil || v.Str() != "Bonjour le monde !" {
				t.Fatalf("got %v, %v", v, err)
			}
			r := srv.Requests()[i]
			if r.Model != tt.wantModel {
				t.Errorf("server saw model %q, want %q", r.Model, tt.wantModel)
			}
			if r.Header.Get("X-Tenant") != "acme" || r.Header.Get("Api-Key") != "azure-123" || r.Header.Get("Authorization") != "Bearer sk-fake" {
				t.Errorf("headers %v", r.Header)
			}
		})
	}
}

func TestTranslateWrongKeyIsNotRetried(t *testing.T) {
	srv := llmtest.New(llmtest.WithAPIKey("sk-right"))
	defer srv.Close()
	c, _, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationAPIKey, "sk-wrong"))
	v, err := call(t, context.Background(), c, str("Hello world!"), str("es"))
	var te *udf.TranslateError
	if !v.IsNull() || !errors.As(err, &te) || te.Status != 401 || srv.Calls() != 1 {
		t.Fatalf("got %v, %v after %d calls; want NULL, 401, one call", v, err, srv.Calls())
	}
}

// TestTranslateConcurrentCalls: without batching, calls run concurrently
// (up to translation.max-concurrent-requests) and each gets its answer.
func TestTranslateConcurrentCalls(t *testing.T) {
	srv := llmtest.New(llmtest.WithLatency(20 * time.Millisecond))
	defer srv.Close()
	c, job, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationBatchWindow, "0"))
	const n = 50
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Add(1)
		c.Call(context.Background(), []types.Value{str(fmt.Sprintf("msg %d", i)), str("de")}, func(v types.Value, err error) {
			defer wg.Done()
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
			got[i] = v.Str()
		})
	}
	wg.Wait()
	for i, s := range got {
		if want := fmt.Sprintf("[de] msg %d", i); s != want {
			t.Errorf("result %d = %q, want %q", i, s, want)
		}
	}
	if srv.MaxInFlight() < 10 || srv.MaxInFlight() > udf.DefaultTranslationMaxConcurrent {
		t.Errorf("only %d calls were in flight at once: Call does not run asynchronously", srv.MaxInFlight())
	}
	if st := udf.TranslateStats(job); st.Calls != n || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestTranslateCloseCancelsCallsInFlight(t *testing.T) {
	srv := llmtest.New(llmtest.WithFaults(llmtest.Hang()))
	defer srv.Close()
	f, _ := udf.Default.Async("TRANSLATE")
	c, err := f.New(udf.Env{JobID: "close-test", Settings: fastSettings(srv)})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	c.Call(context.Background(), []types.Value{str("x"), str("es")}, func(v types.Value, err error) { errc <- err })
	for srv.Calls() < 1 {
		time.Sleep(time.Millisecond)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, udf.ErrTranslateCanceled) {
			t.Errorf("error %v, want canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the call in flight")
	}
	c.Call(context.Background(), []types.Value{str("x"), str("es")}, func(v types.Value, err error) { errc <- err })
	if err := <-errc; !errors.Is(err, udf.ErrTranslateCanceled) {
		t.Errorf("call after Close: %v, want canceled", err)
	}
}

func TestTranslateBind(t *testing.T) {
	f, _ := udf.Default.Async("TRANSLATE")
	s, n, b := udf.Arg{Type: types.String}, udf.Arg{Type: types.Null}, udf.Arg{Type: types.BigInt}
	tests := []struct {
		name    string
		args    []udf.Arg
		wantErr string
	}{
		{"two strings", []udf.Arg{s, s}, ""},
		{"three strings", []udf.Arg{s, s, s}, ""},
		{"NULL literal", []udf.Arg{n, s}, ""},
		{"one argument", []udf.Arg{s}, "expects 2 or 3 arguments"},
		{"four arguments", []udf.Arg{s, s, s, s}, "got 4"},
		{"number as language", []udf.Arg{s, b}, "argument 2 (target_language) must be VARCHAR, got BIGINT"},
		{"number as model", []udf.Arg{s, s, b}, "argument 3 (model)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := f.Bind(tt.args)
			if tt.wantErr == "" {
				if err != nil || typ.Kind != types.KindString {
					t.Fatalf("got %v, %v; want VARCHAR", typ, err)
				}
				return
			}
			if !errors.Is(err, udf.ErrTranslateArgs) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTranslateBadSettings(t *testing.T) {
	f, _ := udf.Default.Async("TRANSLATE")
	_, err := f.New(udf.Env{JobID: "bad", Settings: map[string]string{udf.SettingTranslationTimeout: "soon", udf.SettingTranslationMaxRetries: "-1"}})
	if !errors.Is(err, udf.ErrTranslateSetting) || !strings.Contains(err.Error(), udf.SettingTranslationTimeout) || !strings.Contains(err.Error(), udf.SettingTranslationMaxRetries) {
		t.Fatalf("error %v, want both bad settings named", err)
	}
}

func TestTranslateMetrics(t *testing.T) {
	srv := llmtest.New(llmtest.WithFaults(llmtest.ServerError()))
	defer srv.Close()
	c, job, _ := newCaller(t, fastSettings(srv, udf.SettingTranslationMaxRetries, "1"))
	if _, err := call(t, context.Background(), c, str("Hello world!"), str("es")); err != nil {
		t.Fatal(err) // 500, then ok
	}
	srv.Fail(llmtest.Status(400))
	if _, err := call(t, context.Background(), c, str("How are you?"), str("es")); err == nil {
		t.Fatal("400 should fail")
	}
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, fam := range families {
		if !strings.HasPrefix(fam.GetName(), "chatsql_translate_") {
			continue
		}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["job"] != job {
				continue
			}
			key := fam.GetName()
			for _, l := range []string{"outcome", "kind", "direction"} {
				if v, ok := labels[l]; ok {
					key += "{" + v + "}"
				}
			}
			switch {
			case m.GetCounter() != nil:
				got[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				got[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				got[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"chatsql_translate_calls_total{ok}":              1,
		"chatsql_translate_calls_total{error}":           1,
		"chatsql_translate_retries_total":                1,
		"chatsql_translate_failures_total{client_error}": 1,
		"chatsql_translate_latency_seconds":              2,
		"chatsql_translate_in_flight":                    0,
		"chatsql_translate_tokens_total{input}":          0, // checked below: > 0
		"chatsql_translate_tokens_total{output}":         0,
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("metric %s missing (have %v)", k, got)
			continue
		}
		if strings.Contains(k, "tokens") {
			if g <= 0 {
				t.Errorf("%s = %v, want > 0", k, g)
			}
			continue
		}
		if g != w {
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
}

// BenchmarkTranslate measures one TRANSLATE call through the SDK and HTTP
// against the in-process fake, with b.RunParallel callers in flight: no
// cache, no batching, no skip, so that every call is a request.
func BenchmarkTranslate(b *testing.B) {
	srv := llmtest.New()
	defer srv.Close()
	f, _ := udf.Default.Async("TRANSLATE")
	c, err := f.New(udf.Env{JobID: "bench", Settings: fastSettings(srv, udf.SettingTranslationCacheSize, "0",
		udf.SettingTranslationBatchWindow, "0", udf.SettingTranslationSkip, "false")})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var seq atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		done := make(chan error, 1)
		for pb.Next() {
			// distinct texts: identical ones in flight would share a request
			args := []types.Value{str(fmt.Sprintf("Hello world! %d", seq.Add(1))), str("es")}
			c.Call(context.Background(), args, func(v types.Value, err error) { done <- err })
			if err := <-done; err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTranslateCacheHit is the cost of a call answered by the cache.
func BenchmarkTranslateCacheHit(b *testing.B) {
	srv := llmtest.New()
	defer srv.Close()
	f, _ := udf.Default.Async("TRANSLATE")
	c, err := f.New(udf.Env{JobID: "bench-cachehit", Settings: fastSettings(srv)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	args := []types.Value{str("see you at the stream tonight"), str("es")}
	done := make(chan struct{}, 1)
	c.Call(context.Background(), args, func(types.Value, error) { done <- struct{}{} })
	<-done
	for b.Loop() {
		c.Call(context.Background(), args, func(types.Value, error) {})
	}
	if srv.Calls() != 1 {
		b.Fatalf("%d requests: not served by the cache", srv.Calls())
	}
}

// BenchmarkTranslateNoCall is the cost of a call that needs no LLM (empty text).
func BenchmarkTranslateNoCall(b *testing.B) {
	srv := llmtest.New()
	defer srv.Close()
	f, _ := udf.Default.Async("TRANSLATE")
	c, err := f.New(udf.Env{JobID: "bench-nocall", Settings: fastSettings(srv)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	args := []types.Value{str(""), str("es")}
	for b.Loop() {
		c.Call(context.Background(), args, func(types.Value, error) {})
	}
}

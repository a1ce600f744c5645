package llmtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
)

// post sends a Chat Completions request in udf's prompt format.
func post(t *testing.T, ctx context.Context, url, key, model, lang, text string) (*http.Response, []byte, error) {
	t.Helper()
	system, user := udf.TranslatePrompt(text, lang)
	return postMessages(t, ctx, url, key, model, system, user)
}

// postBatch sends a Chat Completions request in udf's batch prompt format.
func postBatch(t *testing.T, ctx context.Context, url, model, lang string, texts []string) (*http.Response, []byte, error) {
	t.Helper()
	system, user := udf.TranslateBatchPrompt(lang, texts)
	return postMessages(t, ctx, url, "", model, system, user)
}

// postMessages sends a Chat Completions request with a system and a user message.
func postMessages(t *testing.T, ctx context.Context, url, key, model, system, user string) (*http.Response, []byte, error) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"model": model,
		"messages": []map[string]any{
			{"role": "system", "content": system},
			{"role": "user", "content": user},
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

type completion struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

func TestTranslations(t *testing.T) {
	s := llmtest.New(llmtest.WithTranslation("es", "Bye", "Adiós"))
	defer s.Close()
	tests := []struct {
		path, lang, text, want string
	}{
		{"/chat/completions", "es", "Hello world!", "¡Hola mundo!"},
		{"/v1/chat/completions", "es", "Hello world!", "¡Hola mundo!"},
		{"/chat/completions", "ES-mx", "Hello world!", "¡Hola mundo!"},
		{"/chat/completions", "fr", "Hello world!", "Bonjour le monde !"},
		{"/chat/completions", "es", "Bye", "Adiós"},
		{"/chat/completions", "de", "nice weather", "[de] nice weather"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.lang+"/"+tt.text, func(t *testing.T) {
			resp, b, err := post(t, context.Background(), s.URL()+tt.path, "", "m1", tt.lang, tt.text)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %v err %v body %s", resp, err, b)
			}
			var c completion
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			if got := c.Choices[0].Message.Content; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if c.Model != "m1" || c.Usage.PromptTokens == 0 || c.Usage.CompletionTokens == 0 {
				t.Errorf("model %q usage %+v", c.Model, c.Usage)
			}
		})
	}
	if got := llmtest.Translate("es", "Hello world!"); got != "¡Hola mundo!" {
		t.Errorf("Translate = %q", got)
	}
	reqs := s.Requests()
	if s.Calls() != len(tests) || len(reqs) != len(tests) || reqs[0].Lang != "es" || reqs[0].Text != "Hello world!" || reqs[0].Model != "m1" || reqs[0].N != 1 {
		t.Errorf("calls %d, first request %+v", s.Calls(), reqs[0])
	}
}

func TestFaultScript(t *testing.T) {
	s := llmtest.New(llmtest.WithFaults(llmtest.RateLimited(2)), llmtest.WithMaxHang(5*time.Second))
	defer s.Close()
	s.Fail(llmtest.ServerError(), llmtest.Status(400), llmtest.Malformed(), llmtest.Hang())
	steps := []struct {
		name       string
		status     int
		retryAfter string
		timeout    bool
	}{
		{"429", 429, "2", false},
		{"500", 500, "", false},
		{"400", 400, "", false},
		{"malformed", 200, "", false},
		{"hang", 0, "", true},
		{"then ok", 200, "", false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			resp, b, err := post(t, ctx, s.URL()+"/chat/completions", "", "m", "es", "Hello world!")
			if st.timeout {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("want a client timeout, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != st.status || resp.Header.Get("Retry-After") != st.retryAfter {
				t.Fatalf("status %d Retry-After %q, want %d %q", resp.StatusCode, resp.Header.Get("Retry-After"), st.status, st.retryAfter)
			}
			if st.name == "malformed" && json.Valid(b) {
				t.Errorf("malformed body is valid JSON: %s", b)
			}
		})
	}
}

func TestAPIKey(t *testing.T) {
	s := llmtest.New(llmtest.WithAPIKey("sk-test"), llmtest.WithFaults(llmtest.ServerError()))
	defer s.Close()
	for _, tt := range []struct {
		key    string
		status int
	}{{"", 401}, {"wrong", 401}, {"sk-test", 500}, {"sk-test", 200}} {
		t.Run(tt.key, func(t *testing.T) {
			resp, _, err := post(t, context.Background(), s.URL()+"/chat/completions", tt.key, "m", "es", "x")
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("status %v err %v, want %d", resp.StatusCode, err, tt.status)
			}
		})
	}
}

func TestHooksLatencyAndConcurrency(t *testing.T) {
	release := make(chan struct{})
	s := llmtest.New(llmtest.WithLatency(20 * time.Millisecond))
	defer s.Close()
	s.OnRequest(func(r llmtest.Request) *llmtest.Fault {
		if r.Text == "fail me" {
			f := llmtest.Status(503)
			return &f
		}
		<-release
		return nil
	})
	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, n)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := "hold"
			if i == 0 {
				text = "fail me"
			}
			resp, _, err := post(t, context.Background(), s.URL()+"/chat/completions", "", "m", "fr", text)
			if err == nil {
				statuses[i] = resp.StatusCode
			}
		}()
	}
	for s.Calls() < n {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if statuses[0] != 503 {
		t.Errorf("hooked call: status %d, want 503", statuses[0])
	}
	for i := 1; i < n; i++ {
		if statuses[i] != 200 {
			t.Errorf("call %d: status %d", i, statuses[i])
		}
	}
	if s.MaxInFlight() < n-1 {
		t.Errorf("MaxInFlight = %d, want >= %d", s.MaxInFlight(), n-1)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Errorf("latency not applied")
	}
}

func TestCloseReleasesHangingCalls(t *testing.T) {
	s := llmtest.New(llmtest.WithFaults(llmtest.Hang()))
	errc := make(chan error, 1)
	go func() {
		_, _, err := post(t, context.Background(), s.URL()+"/chat/completions", "", "m", "es", "x")
		errc <- err
	}()
	for s.Calls() < 1 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a hanging call")
	}
	<-errc
}

// content makes a call and decodes its 200 completion and returns its message content.
func content(t *testing.T, call func() (*http.Response, []byte, error)) (string, completion) {
	t.Helper()
	resp, b, err := call()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d body %s", resp.StatusCode, b)
	}
	var c completion
	if err := json.Unmarshal(b, &c); err != nil || len(c.Choices) != 1 {
		t.Fatalf("completion %s: %v", b, err)
	}
	return c.Choices[0].Message.Content, c
}

type item struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

func words(s string) int { return len(strings.Fields(s)) }

func TestBatchTranslation(t *testing.T) {
	s := llmtest.New(llmtest.WithTranslation("es", "Bye", "Adiós"))
	defer s.Close()
	texts := []string{"Hello world!", "nice weather", "Bye", "How are you?", "Hello world!"}
	got, c := content(t, func() (*http.Response, []byte, error) {
		return postBatch(t, context.Background(), s.URL()+"/v1/chat/completions", "m1", "es", texts)
	})
	var items []item
	if err := json.Unmarshal([]byte(got), &items); err != nil {
		t.Fatalf("batch answer %q: %v", got, err)
	}
	if len(items) != len(texts) {
		t.Fatalf("%d items for %d texts: %s", len(items), len(texts), got)
	}
	for i, it := range items {
		if want := s.Translation("es", texts[i]); it.ID != i+1 || it.Text != want {
			t.Errorf("item %d = %+v, want {%d %q}", i, it, i+1, want)
		}
	}
	if items[2].Text != "Adiós" || items[1].Text != "[es] nice weather" {
		t.Errorf("dictionary rule not applied: %+v", items)
	}
	if got != udf.FormatTranslateBatchAnswer([]string{"¡Hola mundo!", "[es] nice weather", "Adiós", "¿Cómo estás?", "¡Hola mundo!"}) {
		t.Errorf("answer %s is not FormatTranslateBatchAnswer's", got)
	}
	system, user := udf.TranslateBatchPrompt("es", texts)
	if c.Usage.PromptTokens != words(system)+words(user) || c.Usage.CompletionTokens != words(got) {
		t.Errorf("usage %+v, want prompt %d completion %d", c.Usage, words(system)+words(user), words(got))
	}

	// A single-text call after it.
	single, sc := content(t, func() (*http.Response, []byte, error) {
		return post(t, context.Background(), s.URL()+"/chat/completions", "", "m1", "ES", "Bye")
	})
	if single != "Adiós" {
		t.Errorf("single = %q", single)
	}

	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if r := reqs[0]; !r.Batch || r.Lang != "es" || !slices.Equal(r.Texts, texts) || r.Text != strings.Join(texts, "\n") || r.Model != "m1" {
		t.Errorf("batch request %+v", r)
	}
	if r := reqs[1]; r.Batch || r.Lang != "ES" || !slices.Equal(r.Texts, []string{"Bye"}) || r.Text != "Bye" {
		t.Errorf("single request %+v", r)
	}
	if n := s.TextCalls("es", "Hello world!"); n != 2 { // twice in one batch
		t.Errorf("TextCalls(es, Hello world!) = %d, want 2", n)
	}
	if n := s.TextCalls("es", "Bye"); n != 2 { // "ES" matches "es"
		t.Errorf("TextCalls(es, Bye) = %d, want 2", n)
	}
	if n := s.TextCalls("fr", "Bye"); n != 0 {
		t.Errorf("TextCalls(fr, Bye) = %d", n)
	}
	if n := s.TextAnswers("es", "nice weather"); n != 1 {
		t.Errorf("TextAnswers(es, nice weather) = %d", n)
	}
	if s.Texts() != len(texts)+1 || s.Calls() != 2 || !slices.Equal(s.BatchSizes(), []int{len(texts)}) {
		t.Errorf("Texts %d Calls %d BatchSizes %v", s.Texts(), s.Calls(), s.BatchSizes())
	}
	p, cpl := s.Tokens()
	if p != int64(c.Usage.PromptTokens+sc.Usage.PromptTokens) || cpl != int64(c.Usage.CompletionTokens+sc.Usage.CompletionTokens) {
		t.Errorf("Tokens = %d, %d; usage %+v + %+v", p, cpl, c.Usage, sc.Usage)
	}
}

func TestBatchFaultsApplyToBatchesOnly(t *testing.T) {
	s := llmtest.New(llmtest.WithFaults(llmtest.BatchWrongLength()))
	defer s.Close()
	s.Fail(llmtest.ServerError())
	ctx := context.Background()
	url := s.URL() + "/chat/completions"
	texts := []string{"Hello world!", "Thank you!", "See you later"}

	// Single-text calls pass the batch fault by, and do not take the 500 behind it.
	for range 2 {
		if got, _ := content(t, func() (*http.Response, []byte, error) { return post(t, ctx, url, "", "m", "de", "Thank you!") }); got != "Danke!" {
			t.Fatalf("single call = %q", got)
		}
	}
	// The batch gets it: valid JSON, one item short.
	got, c := content(t, func() (*http.Response, []byte, error) { return postBatch(t, ctx, url, "m", "es", texts) })
	var items []item
	if err := json.Unmarshal([]byte(got), &items); err != nil {
		t.Fatalf("wrong-length answer is not JSON: %q", got)
	}
	if len(items) != len(texts)-1 || items[0] != (item{1, "¡Hola mundo!"}) || items[1] != (item{2, "¡Gracias!"}) {
		t.Errorf("wrong-length answer %s", got)
	}
	if c.Usage.PromptTokens == 0 || c.Usage.CompletionTokens != words(got) {
		t.Errorf("usage %+v", c.Usage)
	}
	// Then the script goes on, in order.
	if resp, _, err := post(t, ctx, url, "", "m", "es", "x"); err != nil || resp.StatusCode != 500 {
		t.Fatalf("want the scripted 500, got %v %v", resp, err)
	}
	if got, _ := content(t, func() (*http.Response, []byte, error) { return postBatch(t, ctx, url, "m", "es", texts) }); !strings.HasPrefix(got, "[{") {
		t.Errorf("batch after the script: %q", got)
	}
	var kinds []llmtest.FaultKind
	for _, r := range s.Requests() {
		kinds = append(kinds, r.Fault)
	}
	want := []llmtest.FaultKind{llmtest.FaultNone, llmtest.FaultNone, llmtest.FaultBatchWrongLength, llmtest.FaultStatus, llmtest.FaultNone}
	if !slices.Equal(kinds, want) {
		t.Errorf("faults %v, want %v", kinds, want)
	}
	// Only normal answers count as answered texts: 2 singles + the last batch.
	if s.Texts() != 2+len(texts) || s.TextCalls("es", "See you later") != 2 || s.TextAnswers("es", "See you later") != 1 {
		t.Errorf("Texts %d TextCalls %d TextAnswers %d", s.Texts(), s.TextCalls("es", "See you later"), s.TextAnswers("es", "See you later"))
	}
	if !slices.Equal(s.BatchSizes(), []int{3, 3}) {
		t.Errorf("BatchSizes %v", s.BatchSizes())
	}

	// A hook's batch fault answers single-text calls normally too.
	h := llmtest.New(llmtest.WithHook(func(llmtest.Request) *llmtest.Fault {
		f := llmtest.BatchNotJSON()
		return &f
	}))
	defer h.Close()
	if got, _ := content(t, func() (*http.Response, []byte, error) {
		return post(t, ctx, h.URL()+"/chat/completions", "", "m", "fr", "Thank you!")
	}); got != "Merci !" {
		t.Errorf("hooked single call = %q", got)
	}
	if r := h.Requests()[0]; r.Fault != llmtest.FaultNone {
		t.Errorf("hooked single call recorded as %v", r.Fault)
	}
}

// TestMalformedBatchThenSingleCalls is the scenario the batch faults are
// for: the batch answer is prose, the client falls back to one call per text,
// and every text still gets its translation.
func TestMalformedBatchThenSingleCalls(t *testing.T) {
	s := llmtest.New()
	defer s.Close()
	s.Fail(llmtest.BatchNotJSON())
	ctx := context.Background()
	url := s.URL() + "/chat/completions"
	texts := []string{"Hello world!", "Good morning everyone", "nice weather"}

	got, _ := content(t, func() (*http.Response, []byte, error) { return postBatch(t, ctx, url, "m", "es", texts) })
	if json.Valid([]byte(got)) || !strings.Contains(got, "¡Hola mundo!") {
		t.Fatalf("not-JSON answer %q", got)
	}
	var items []item
	if json.Unmarshal([]byte(got), &items) == nil {
		t.Fatalf("prose answer parsed as JSON: %q", got)
	}
	for _, text := range texts {
		got, _ := content(t, func() (*http.Response, []byte, error) { return post(t, ctx, url, "", "m", "es", text) })
		if want := llmtest.Translate("es", text); got != want {
			t.Errorf("fallback %q = %q, want %q", text, got, want)
		}
		if s.TextCalls("es", text) != 2 || s.TextAnswers("es", text) != 1 {
			t.Errorf("%q: TextCalls %d TextAnswers %d", text, s.TextCalls("es", text), s.TextAnswers("es", text))
		}
	}
	if s.Texts() != len(texts) || s.Calls() != 1+len(texts) {
		t.Errorf("Texts %d Calls %d", s.Texts(), s.Calls())
	}
}

func TestRateLimit(t *testing.T) {
	s := llmtest.New(llmtest.WithRateLimit(2, 1500*time.Millisecond), llmtest.WithFaults(llmtest.ServerError()))
	defer s.Close()
	ctx := context.Background()
	url := s.URL() + "/chat/completions"
	// Burst of 2: the first call takes the scripted 500, the second is
	// answered, the third is over the limit and does not touch the script.
	var statuses []int
	var third *http.Response
	for range 3 {
		resp, _, err := post(t, ctx, url, "", "m", "es", "x")
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, resp.StatusCode)
		third = resp
	}
	if !slices.Equal(statuses, []int{500, 200, 429}) {
		t.Fatalf("statuses %v, want [500 200 429]", statuses)
	}
	if third.Header.Get("Retry-After") != "2" || third.Header.Get("retry-after-ms") != "1500" {
		t.Errorf("Retry-After %q retry-after-ms %q", third.Header.Get("Retry-After"), third.Header.Get("retry-after-ms"))
	}
	if s.RateLimited() != 1 || s.Calls() != 3 || s.Requests()[2].Fault != llmtest.FaultRateLimit || s.Texts() != 1 {
		t.Errorf("RateLimited %d Calls %d last fault %v Texts %d", s.RateLimited(), s.Calls(), s.Requests()[2].Fault, s.Texts())
	}
	time.Sleep(600 * time.Millisecond) // a token is back after 500 ms
	if resp, _, err := post(t, ctx, url, "", "m", "es", "x"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the refill: %v %v", resp, err)
	}

	// retryAfter 0: the headers say when the next token comes.
	s.SetRateLimit(2, 0)
	for range 2 {
		if resp, _, err := postBatch(t, ctx, url, "m", "es", []string{"a", "b"}); err != nil || resp.StatusCode != 200 {
			t.Fatalf("within the burst: %v %v", resp, err)
		}
	}
	resp, _, err := postBatch(t, ctx, url, "m", "es", []string{"a", "b"})
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("over the limit: %v %v", resp, err)
	}
	ms, _ := strconv.Atoi(resp.Header.Get("retry-after-ms"))
	if resp.Header.Get("Retry-After") != "1" || ms <= 0 || ms > 500 {
		t.Errorf("Retry-After %q retry-after-ms %q", resp.Header.Get("Retry-After"), resp.Header.Get("retry-after-ms"))
	}
	if s.RateLimited() != 2 || s.TextCalls("es", "a") != 3 || s.TextAnswers("es", "a") != 2 {
		t.Errorf("RateLimited %d TextCalls %d TextAnswers %d", s.RateLimited(), s.TextCalls("es", "a"), s.TextAnswers("es", "a"))
	}

	// No limit.
	s.SetRateLimit(0, 0)
	for range 10 {
		if resp, _, err := post(t, ctx, url, "", "m", "es", "x"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("unlimited: %v %v", resp, err)
		}
	}
}

// TestRateLimitStorm sends three times the allowed rate for about a second:
// the burst (one second of rate) and the refill are answered, the rest is 429.
func TestRateLimitStorm(t *testing.T) {
	const rate, n = 20.0, 60
	s := llmtest.New(llmtest.WithRateLimit(rate, time.Second))
	defer s.Close()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok, lim int
	)
	tick := time.NewTicker(time.Second / (3 * rate))
	defer tick.Stop()
	start := time.Now()
	for i := range n {
		if i > 0 {
			<-tick.C
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _, err := post(t, context.Background(), s.URL()+"/chat/completions", "", "m", "es", "storm")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch resp.StatusCode {
			case 200:
				ok++
			case 429:
				lim++
				if resp.Header.Get("Retry-After") != "1" || resp.Header.Get("retry-after-ms") != "1000" {
					t.Errorf("Retry-After %q retry-after-ms %q", resp.Header.Get("Retry-After"), resp.Header.Get("retry-after-ms"))
				}
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d requests in %v: %d answered, %d rate-limited", n, elapsed, ok, lim)
	if ok+lim != n || s.RateLimited() != lim || s.Calls() != n || s.TextCalls("es", "storm") != n || s.TextAnswers("es", "storm") != ok {
		t.Fatalf("ok %d limited %d RateLimited %d Calls %d", ok, lim, s.RateLimited(), s.Calls())
	}
	// At most the burst plus the refill over the run; at least the burst.
	if maxOK := int(rate+rate*elapsed.Seconds()) + 1; ok > maxOK || ok < int(rate) {
		t.Errorf("%d answered in %v, want between %d and %d", ok, elapsed, int(rate), maxOK)
	}
	// Around one second at 3x the rate, about a third is 429 (20 of 60).
	if elapsed < 1300*time.Millisecond && math.Abs(float64(lim)-rate) > 6 {
		t.Errorf("%d rate-limited in %v, want about %v", lim, elapsed, rate)
	}
}

func TestSetDown(t *testing.T) {
	s := llmtest.New(llmtest.WithLatency(time.Second), llmtest.WithFaults(llmtest.ServerError()))
	defer s.Close()
	ctx := context.Background()
	url := s.URL() + "/chat/completions"
	s.SetDown(true)
	start := time.Now()
	for range 3 {
		resp, b, err := postBatch(t, ctx, url, "m", "es", []string{"a", "b"})
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("down: %v %v %s", resp, err, b)
		}
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			t.Errorf("503 body %s", b)
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("down answers took %v: latency applied", d)
	}
	if s.Calls() != 3 || s.Requests()[0].Fault != llmtest.FaultStatus || s.Texts() != 0 || s.TextCalls("es", "a") != 3 {
		t.Errorf("Calls %d fault %v Texts %d TextCalls %d", s.Calls(), s.Requests()[0].Fault, s.Texts(), s.TextCalls("es", "a"))
	}
	s.SetDown(false)
	s.SetLatency(0)
	// The script was left alone: its 500 comes now, then answers.
	for _, want := range []int{500, 200} {
		if resp, _, err := post(t, ctx, url, "", "m", "es", "a"); err != nil || resp.StatusCode != want {
			t.Fatalf("back up: %v %v, want %d", resp, err, want)
		}
	}
	if s.Calls() != 5 || s.Texts() != 1 {
		t.Errorf("Calls %d Texts %d", s.Calls(), s.Texts())
	}
}

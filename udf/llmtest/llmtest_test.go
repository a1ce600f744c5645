package llmtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
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

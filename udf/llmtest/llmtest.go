// Package llmtest is an in-process fake of an OpenAI-compatible Chat
// Completions server, for tests and benchmarks of TRANSLATE. It translates
// deterministically (a small dictionary of real translations, otherwise
// "[<lang>] <text>"), and can be told to be slow, to fail in scripted ways
// (429 with Retry-After, 500, hanging, malformed JSON) and to check a key.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatsql/chatsql/udf"
)

// FaultKind says how the server misbehaves for one call.
type FaultKind int

const (
	// FaultNone answers normally (a Hook returning it cancels the script's fault).
	FaultNone FaultKind = iota
	// FaultRateLimit answers 429 with the fault's Retry-After headers.
	FaultRateLimit
	// FaultStatus answers the fault's Status with an OpenAI-style error body.
	FaultStatus
	// FaultHang never answers: it waits until the client gives up (or the
	// server closes), as a stuck upstream does.
	FaultHang
	// FaultMalformed answers 200 with a truncated JSON body.
	FaultMalformed
)

// Fault is one scripted misbehaviour.
type Fault struct {
	Kind         FaultKind
	Status       int    // FaultStatus: the HTTP status
	RetryAfter   string // FaultRateLimit: Retry-After value ("1" or an HTTP date), "" for none
	RetryAfterMs string // FaultRateLimit: retry-after-ms value, "" for none
}

// RateLimited is a 429 with Retry-After: seconds (omitted when 0).
func RateLimited(seconds int) Fault {
	f := Fault{Kind: FaultRateLimit}
	if seconds > 0 {
		f.RetryAfter = fmt.Sprint(seconds)
	}
	return f
}

// ServerError is a 500.
func ServerError() Fault { return Fault{Kind: FaultStatus, Status: http.StatusInternalServerError} }

// Status answers with the given HTTP status (e.g. 400, 401, 503).
func Status(code int) Fault { return Fault{Kind: FaultStatus, Status: code} }

// Hang never answers until the client times out.
func Hang() Fault { return Fault{Kind: FaultHang} }

// Malformed answers 200 with a body that is not valid JSON.
func Malformed() Fault { return Fault{Kind: FaultMalformed} }

// Repeat returns n copies of f, for Server.Fail.
func Repeat(n int, f Fault) []Fault {
	out := make([]Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// Request is one Chat Completions call as the server saw it.
type Request struct {
	N      int    // 1-based call number
	Path   string // "/chat/completions" or "/v1/chat/completions"
	Model  string
	Lang   string // target language read from the prompt ("" if not in udf's format)
	Text   string // text to translate (the last user message)
	Header http.Header
	Fault  FaultKind // what the server did
	At     time.Time
}

// Hook runs for every call before the fault script; a non-nil result is
// the fault for this call (FaultNone: answer normally) and the script is not
// consumed. A hook may block, e.g. to hold calls until a test lets them go.
type Hook func(Request) *Fault

// Option configures a Server.
type Option func(*Server)

// WithLatency delays every answer by d (the client may give up first).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency.Store(int64(d)) } }

// WithAPIKey makes the server answer 401 unless "Authorization: Bearer key".
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// WithFaults scripts the first calls' faults, in order.
func WithFaults(f ...Fault) Option { return func(s *Server) { s.script = append(s.script, f...) } }

// WithHook adds a per-call hook.
func WithHook(h Hook) Option { return func(s *Server) { s.hooks = append(s.hooks, h) } }

// WithTranslation adds a dictionary entry: text in lang translates to out.
func WithTranslation(lang, text, out string) Option {
	return func(s *Server) { s.dict[dictKey(lang, text)] = out }
}

// WithMaxHang bounds how long a FaultHang call waits (default one minute).
func WithMaxHang(d time.Duration) Option { return func(s *Server) { s.maxHang = d } }

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	ts      *httptest.Server
	apiKey  string
	maxHang time.Duration
	dict    map[string]string
	latency atomic.Int64
	closing chan struct{}
	once    sync.Once

	mu          sync.Mutex
	script      []Fault
	hooks       []Hook
	requests    []Request
	calls       int
	inFlight    int
	maxInFlight int
	promptToks  int64
	complToks   int64
}

// New starts a server on a loopback port. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{dict: map[string]string{}, maxHang: time.Minute, closing: make(chan struct{})}
	for k, v := range builtinDictionary {
		s.dict[k] = v
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/completions", s.handleChat)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	s.ts = httptest.NewServer(mux)
	return s
}

// URL is the base URL: POST URL()+"/chat/completions" (and
// URL()+"/v1/chat/completions") reach the fake.
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server, releasing hanging calls first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.ts.Close()
}

// Fail appends faults to the script: the next calls get them, in order.
func (s *Server) Fail(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, faults...)
}

// OnRequest adds a hook while the server runs.
func (s *Server) OnRequest(h Hook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, h)
}

// SetLatency changes the delay of every answer.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Calls is the number of Chat Completions requests received, faulted ones included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Requests returns a copy of the request log, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// MaxInFlight is the largest number of calls the server handled at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Tokens returns the prompt and completion tokens reported so far.
func (s *Server) Tokens() (prompt, completion int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.promptToks, s.complToks
}

// Translation is what the server answers for text in lang.
func (s *Server) Translation(lang, text string) string { return translate(s.dict, lang, text) }

// Translate is what a server without extra dictionary entries answers for
// text in lang, so end-to-end tests can compute their expected output.
func Translate(lang, text string) string { return translate(builtinDictionary, lang, text) }

func translate(dict map[string]string, lang, text string) string {
	if out, ok := dict[dictKey(lang, text)]; ok {
		return out
	}
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	if out, ok := dict[dictKey(base, text)]; ok {
		return out
	}
	return "[" + lang + "] " + text
}

func dictKey(lang, text string) string {
	return strings.ToLower(strings.TrimSpace(lang)) + "\x00" + text
}

// builtinDictionary holds real translations, the seed's first.
var builtinDictionary = map[string]string{
	dictKey("es", "Hello world!"):          "¡Hola mundo!",
	dictKey("fr", "Hello world!"):          "Bonjour le monde !",
	dictKey("de", "Hello world!"):          "Hallo Welt!",
	dictKey("it", "Hello world!"):          "Ciao mondo!",
	dictKey("pt", "Hello world!"):          "Olá mundo!",
	dictKey("ja", "Hello world!"):          "こんにちは世界！",
	dictKey("en", "Hello world!"):          "Hello world!",
	dictKey("es", "How are you?"):          "¿Cómo estás?",
	dictKey("fr", "How are you?"):          "Comment ça va ?",
	dictKey("de", "How are you?"):          "Wie geht es dir?",
	dictKey("es", "Good morning everyone"): "Buenos días a todos",
	dictKey("fr", "Good morning everyone"): "Bonjour à tous",
	dictKey("es", "Thank you!"):            "¡Gracias!",
	dictKey("fr", "Thank you!"):            "Merci !",
	dictKey("de", "Thank you!"):            "Danke!",
	dictKey("es", "See you later"):         "Hasta luego",
}

// chatRequest is the part of a Chat Completions request the fake reads.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

// messageText reads a message content: a string or an array of text parts.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return ""
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var body chatRequest
	decodeErr := json.NewDecoder(r.Body).Decode(&body)
	var system, user string
	for _, m := range body.Messages {
		switch m.Role {
		case "system", "developer":
			system = messageText(m.Content)
		case "user":
			user = messageText(m.Content)
		}
	}
	lang, text, ok := udf.ParseTranslatePrompt(system, user)
	if !ok {
		lang, text = "", user
	}
	req := Request{Path: r.URL.Path, Model: body.Model, Lang: lang, Text: text, Header: r.Header.Clone(), At: time.Now()}

	s.mu.Lock()
	s.calls++
	req.N = s.calls
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	hooks := append([]Hook(nil), s.hooks...)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()

	// A rejected request does not consume the fault script.
	rejected := s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey ||
		decodeErr != nil || body.Model == ""
	var fault *Fault
	for _, h := range hooks {
		if rejected {
			break
		}
		if f := h(req); f != nil {
			fault = f
			break
		}
	}
	s.mu.Lock()
	if fault == nil && !rejected && len(s.script) > 0 {
		f := s.script[0]
		s.script = s.script[1:]
		fault = &f
	}
	if fault != nil {
		req.Fault = fault.Kind
	}
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	if d := time.Duration(s.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.closing:
			t.Stop()
		}
	}

	switch {
	case s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey:
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	case decodeErr != nil:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request: "+decodeErr.Error())
		return
	case body.Model == "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "you must provide a model parameter")
		return
	}
	if fault != nil {
		switch fault.Kind {
		case FaultRateLimit:
			if fault.RetryAfter != "" {
				w.Header().Set("Retry-After", fault.RetryAfter)
			}
			if fault.RetryAfterMs != "" {
				w.Header().Set("retry-after-ms", fault.RetryAfterMs)
			}
			writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "Rate limit reached for requests.")
			return
		case FaultStatus:
			writeError(w, fault.Status, "server_error", "", fmt.Sprintf("fake failure %d", fault.Status))
			return
		case FaultHang:
			t := time.NewTimer(s.maxHang)
			defer t.Stop()
			select {
			case <-r.Context().Done():
				return
			case <-s.closing:
			case <-t.C:
			}
			writeError(w, http.StatusGatewayTimeout, "server_error", "", "fake hang ended")
			return
		case FaultMalformed:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"chatcmpl-fake","object":"chat.completion","choices":[{"index":0,"message":{"content":"¡Hol`))
			return
		}
	}

	out := s.Translation(lang, text)
	if !ok {
		out = text // not our prompt format: echo, the least surprising answer
	}
	promptToks := int64(countTokens(system) + countTokens(user))
	complToks := int64(countTokens(out))
	s.mu.Lock()
	s.promptToks += promptToks
	s.complToks += complToks
	s.mu.Unlock()
	resp := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", req.N),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   body.Model,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": out, "refusal": nil},
			"finish_reason": "stop",
			"logprobs":      nil,
		}},
		"usage": map[string]any{
			"prompt_tokens":     promptToks,
			"completion_tokens": complToks,
			"total_tokens":      promptToks + complToks,
		},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// countTokens approximates tokens as words, at least one for non-empty text.
func countTokens(s string) int {
	n := len(strings.Fields(s))
	if n == 0 && s != "" {
		n = 1
	}
	return n
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var c any
	if code != "" {
		c = code
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": c,
	}})
}

// Package llmtest is an in-process fake of an OpenAI-compatible Chat
// Completions server, for tests and benchmarks of TRANSLATE. It translates
// deterministically (a small dictionary of real translations, otherwise
// "[<lang>] <text>"), both udf's single-text prompt (udf.TranslatePrompt)
// and its batch prompt (udf.TranslateBatchPrompt, answered with
// udf.FormatTranslateBatchAnswer). It can be told to be slow, to fail in
// scripted ways (429 with Retry-After, 500, hanging, malformed JSON, batch
// answers of the wrong length or in prose), to rate-limit like OpenAI, to be
// down (503) and to check a key.
//
// For every request the server decides, in this order: down (503, see
// SetDown); rejected (bad key 401, bad body or no model 400); over the rate
// limit (429, see WithRateLimit); the hooks, then the fault script; else a
// normal answer. Down, rejected and rate-limited requests neither run the
// hooks nor consume the script.
package llmtest

import (
	"encoding/json"
	"fmt"
	"math"
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
	// FaultBatchWrongLength answers a batch request with a valid completion
	// whose content is the batch answer with its last item left out. It
	// applies to batch requests only (see Server.Fail).
	FaultBatchWrongLength
	// FaultBatchNotJSON answers a batch request with a valid completion whose
	// content is prose listing the translations, not JSON: a model ignoring
	// its instructions. It applies to batch requests only (see Server.Fail).
	FaultBatchNotJSON
)

// batchOnly reports whether k is a fault that only a batch request can get.
func (k FaultKind) batchOnly() bool { return k == FaultBatchWrongLength || k == FaultBatchNotJSON }

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

// BatchWrongLength answers the next batch request with a JSON array one item
// short (valid JSON, valid ids, the last text missing). Single-text requests
// pass it by: see Server.Fail.
func BatchWrongLength() Fault { return Fault{Kind: FaultBatchWrongLength} }

// BatchNotJSON answers the next batch request with prose instead of the JSON
// array ("Sure! Here are the translations: 1. ..."). Single-text requests
// pass it by: see Server.Fail.
func BatchNotJSON() Fault { return Fault{Kind: FaultBatchNotJSON} }

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
	N     int    // 1-based call number
	Path  string // "/chat/completions" or "/v1/chat/completions"
	Model string
	Lang  string // target language read from the prompt ("" if not in udf's format)
	// Text is the text to translate: for a single-text request (or one not
	// in udf's format) the user message; for a batch, its texts joined with
	// "\n" (so a batch of one has Text == Texts[0]). Match on Texts to see
	// what a batch carried.
	Text string
	// Texts are all the texts of the request, in order: one for a
	// single-text request (or one not in udf's format), n for a batch.
	Texts []string
	// Batch is true for a request in udf's batch prompt format, whatever its
	// number of texts.
	Batch  bool
	Header http.Header
	// Fault is what the server did: FaultStatus when down, FaultRateLimit
	// when over the rate limit, the hook's or script's fault, FaultNone for
	// a normal answer (and for a rejected request: 401/400).
	Fault FaultKind
	At    time.Time
}

// Hook runs for every call (down, rejected and rate-limited ones excepted)
// before the fault script; a non-nil result is the fault for this call
// (FaultNone: answer normally) and the script is not consumed. A batch-only
// fault returned for a single-text request answers normally. A hook may
// block, e.g. to hold calls until a test lets them go.
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

// WithRateLimit limits the server to requestsPerSecond (see SetRateLimit).
func WithRateLimit(requestsPerSecond float64, retryAfter time.Duration) Option {
	return func(s *Server) { s.SetRateLimit(requestsPerSecond, retryAfter) }
}

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	ts      *httptest.Server
	apiKey  string
	maxHang time.Duration
	dict    map[string]string
	latency atomic.Int64
	down    atomic.Bool
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
	textCalls   map[string]int // dictKey(lang, text): requests that carried it
	textAnswers map[string]int // dictKey(lang, text): normal answers that translated it
	textsOK     int
	batchSizes  []int
	limit       bucket
	rateLimited int
}

// bucket is a token bucket: rate tokens a second, at most burst of them.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
	retryAfter          time.Duration
}

// take takes a token if there is one; else it says how long until there is.
func (b *bucket) take(now time.Time) (ok bool, wait time.Duration) {
	if b.rate <= 0 {
		return true, 0
	}
	b.tokens = min(b.burst, b.tokens+b.rate*now.Sub(b.last).Seconds())
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// New starts a server on a loopback port. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{dict: map[string]string{}, maxHang: time.Minute, closing: make(chan struct{}),
		textCalls: map[string]int{}, textAnswers: map[string]int{}}
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
//
// A batch-only fault (BatchWrongLength, BatchNotJSON) at the head of the
// script waits for a batch request: a single-text request that finds it
// there answers normally and consumes nothing (not the faults behind it
// either), so order is kept. Thus Fail(BatchNotJSON()) means "the next batch
// answer is malformed", however many single-text calls come first, and the
// single-text calls a client falls back to afterwards succeed.
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

// SetDown takes the server down (true) or brings it back (false). While
// down, every request is answered 503 at once (no latency, no hooks, the
// script untouched); it is counted in Calls, TextCalls and Requests.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// SetRateLimit limits the server to requestsPerSecond, as OpenAI's
// requests-per-minute limit does: a token bucket holding one second of rate
// (at least one request), full when set. A request beyond it is answered 429
// at once with Retry-After (seconds, rounded up) and retry-after-ms of
// retryAfter, or, if retryAfter is 0, of the time until the bucket has a
// token again. Rate-limited requests take no token, run no hooks and do not
// consume the script; RateLimited counts them. requestsPerSecond <= 0
// removes the limit. Down and rejected (401/400) requests are not limited.
func (s *Server) SetRateLimit(requestsPerSecond float64, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	burst := max(requestsPerSecond, 1)
	s.limit = bucket{rate: requestsPerSecond, burst: burst, tokens: burst, last: time.Now(), retryAfter: retryAfter}
}

// RateLimited is the number of requests the rate limit answered 429 (the
// faults of the script and of hooks are not counted).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// TextCalls is how many requests carried text for lang (single-text and
// batch requests alike; faulted, rate-limited, rejected and down ones
// included: the attempts). lang is matched case-insensitively, as written in
// the prompt (no region fallback).
func (s *Server) TextCalls(lang, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.textCalls[dictKey(lang, text)]
}

// TextAnswers is how many normal answers translated text for lang: like
// TextCalls but only requests answered 200 with a well-formed translation
// (not faulted, not a BatchWrongLength/BatchNotJSON answer). A test that no
// row was lost or paid twice checks it is exactly 1.
func (s *Server) TextAnswers(lang, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.textAnswers[dictKey(lang, text)]
}

// Texts is the total number of texts in normal answers: 1 per single-text
// answer, n per batch of n (faulted and malformed batch answers excluded).
func (s *Server) Texts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.textsOK
}

// BatchSizes returns the number of texts of every batch-format request, in
// arrival order, faulted ones included. Single-text requests are not listed.
func (s *Server) BatchSizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.batchSizes...)
}

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
	lang, texts, batch := udf.ParseTranslateBatchPrompt(system, user)
	ok := batch
	if !batch {
		var text string
		lang, text, ok = udf.ParseTranslatePrompt(system, user)
		if !ok {
			lang, text = "", user
		}
		texts = []string{text}
	}
	req := Request{Path: r.URL.Path, Model: body.Model, Lang: lang, Text: strings.Join(texts, "\n"), Texts: texts,
		Batch: batch, Header: r.Header.Clone(), At: time.Now()}

	// A rejected request does not consume the fault script.
	rejected := s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey ||
		decodeErr != nil || body.Model == ""
	down := s.down.Load()

	s.mu.Lock()
	s.calls++
	req.N = s.calls
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	for _, t := range texts {
		s.textCalls[dictKey(lang, t)]++
	}
	if batch {
		s.batchSizes = append(s.batchSizes, len(texts))
	}
	limited, wait := false, time.Duration(0)
	if !down && !rejected {
		var allowed bool
		allowed, wait = s.limit.take(req.At)
		limited = !allowed
	}
	retryAfter := s.limit.retryAfter
	hooks := append([]Hook(nil), s.hooks...)
	switch {
	case down:
		req.Fault = FaultStatus
		s.requests = append(s.requests, req)
	case limited:
		req.Fault = FaultRateLimit
		s.rateLimited++
		s.requests = append(s.requests, req)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()

	if down {
		writeError(w, http.StatusServiceUnavailable, "server_error", "", "The server is overloaded or not ready yet.")
		return
	}
	if limited {
		if retryAfter <= 0 {
			retryAfter = wait
		}
		w.Header().Set("Retry-After", fmt.Sprint(int64(math.Ceil(retryAfter.Seconds()))))
		w.Header().Set("retry-after-ms", fmt.Sprint(int64(math.Ceil(float64(retryAfter)/float64(time.Millisecond)))))
		writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "Rate limit reached for requests.")
		return
	}

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
	// A batch-only fault at the head of the script waits for a batch.
	if fault == nil && !rejected && len(s.script) > 0 && (batch || !s.script[0].Kind.batchOnly()) {
		f := s.script[0]
		s.script = s.script[1:]
		fault = &f
	}
	if fault != nil && fault.Kind.batchOnly() && !batch {
		fault = nil // a hook's batch fault on a single-text request: answer normally
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
	kind := FaultNone
	if fault != nil {
		kind = fault.Kind
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

	var out string
	switch {
	case batch:
		outs := make([]string, len(texts))
		for i, t := range texts {
			outs[i] = s.Translation(lang, t)
		}
		switch kind {
		case FaultBatchWrongLength:
			out = udf.FormatTranslateBatchAnswer(outs[:max(len(outs)-1, 0)])
		case FaultBatchNotJSON:
			out = proseAnswer(outs)
		default:
			out = udf.FormatTranslateBatchAnswer(outs)
		}
	case ok:
		out = s.Translation(lang, texts[0])
	default:
		out = user // not our prompt format: echo, the least surprising answer
	}
	promptToks := int64(countTokens(system) + countTokens(user))
	complToks := int64(countTokens(out))
	s.mu.Lock()
	s.promptToks += promptToks
	s.complToks += complToks
	if !kind.batchOnly() {
		s.textsOK += len(texts)
		for _, t := range texts {
			s.textAnswers[dictKey(lang, t)]++
		}
	}
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

// proseAnswer is a batch answer from a model that ignored the JSON format:
// a numbered list in prose.
func proseAnswer(translations []string) string {
	var b strings.Builder
	b.WriteString("Sure! Here are the translations:\n")
	for i, t := range translations {
		fmt.Fprintf(&b, "\n%d. %s", i+1, t)
	}
	return b.String()
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

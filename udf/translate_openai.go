package udf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// translateMaxRetryAfter bounds how long a Retry-After header can make one
// call wait, against a broken or hostile header.
const translateMaxRetryAfter = 10 * time.Minute

// openAIProvider calls the Chat Completions API of any OpenAI-compatible
// server with the official SDK. The SDK's own retries are off: the
// translation service retries, so that it can budget, count and classify.
type openAIProvider struct {
	cfg       TranslateConfig
	client    openai.Client
	transport *http.Transport
}

var _ translateProvider = (*openAIProvider)(nil)

func newOpenAIProvider(cfg TranslateConfig) *openAIProvider {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// One idle connection per request that may be in flight: the default
	// of 2 per host would open and close connections all the time.
	transport.MaxIdleConnsPerHost = max(cfg.MaxConcurrent, 2)
	transport.MaxIdleConns = max(cfg.MaxConcurrent, 2)
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.EffectiveBaseURL()),
		option.WithAPIKey(cfg.APIKey), // "" sends no Authorization header (Ollama, vLLM)
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: transport}),
	}
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
	}
	return &openAIProvider{cfg: cfg, client: openai.NewClient(opts...), transport: transport}
}

func (p *openAIProvider) Name() string   { return ProviderOpenAI }
func (p *openAIProvider) Budgeted() bool { return true }
func (p *openAIProvider) MaxBatch() int  { return p.cfg.BatchMaxSize }
func (p *openAIProvider) Close()         { p.transport.CloseIdleConnections() }

// Translate makes one request: the single-text prompt for one text, the
// batch prompt for several.
func (p *openAIProvider) Translate(ctx context.Context, lang, model string, texts []string) (providerResult, *attemptFailure) {
	var system, user string
	if len(texts) == 1 {
		system, user = TranslatePrompt(texts[0], lang)
	} else {
		system, user = TranslateBatchPrompt(lang, texts)
	}
	params := openai.ChatCompletionNewParams{
		Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(system),
			openai.UserMessage(user),
		},
	}
	actx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	var httpResp *http.Response
	comp, err := p.client.Chat.Completions.New(actx, params, option.WithResponseInto(&httpResp))
	if err != nil {
		if ctx.Err() != nil {
			return providerResult{}, &attemptFailure{err: contextFailure(ctx, model, 0, nil)}
		}
		return providerResult{}, classifyTranslateError(actx, err, httpResp)
	}
	out := providerResult{InputTokens: comp.Usage.PromptTokens, OutputTokens: comp.Usage.CompletionTokens}
	if len(comp.Choices) == 0 {
		return out, &attemptFailure{err: &TranslateError{Kind: FailureServerError, Status: statusOf(httpResp),
			Err: errors.New("response has no choices")}, retryable: true,
			inputTokens: out.InputTokens, outputTokens: out.OutputTokens}
	}
	content := comp.Choices[0].Message.Content
	if len(texts) == 1 {
		out.Texts = []string{cleanTranslation(content, texts[0])}
		return out, nil
	}
	translated, perr := parseBatchAnswer(content, texts)
	if perr != nil {
		return out, &attemptFailure{err: &TranslateError{Kind: FailureBatchMalformed, Status: statusOf(httpResp), Err: perr},
			inputTokens: out.InputTokens, outputTokens: out.OutputTokens}
	}
	out.Texts = translated
	return out, nil
}

// classifyTranslateError decides what a failed attempt was and whether it is
// worth another: 408, 409, 429 and 5xx, timeouts, connection errors and
// unreadable answers are; other 4xx (bad key, unknown model) are not.
func classifyTranslateError(attemptCtx context.Context, err error, resp *http.Response) *attemptFailure {
	var apiErr *openai.Error
	status := statusOf(resp)
	if errors.As(err, &apiErr) {
		status = apiErr.StatusCode
		if apiErr.Message != "" {
			err = fmt.Errorf("%s", truncateForError(apiErr.Message, 200))
		} else {
			err = nil
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return &attemptFailure{err: &TranslateError{Kind: FailureRateLimited, Status: status, Err: err},
			retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status == http.StatusRequestTimeout:
		return &attemptFailure{err: &TranslateError{Kind: FailureTimeout, Status: status, Err: err}, retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status == http.StatusConflict:
		return &attemptFailure{err: &TranslateError{Kind: FailureClientError, Status: status, Err: err}, retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status >= 500:
		return &attemptFailure{err: &TranslateError{Kind: FailureServerError, Status: status, Err: err}, retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status >= 400:
		return &attemptFailure{err: &TranslateError{Kind: FailureClientError, Status: status, Err: err}}
	case status >= 200 && status < 300:
		// The server answered but the body was not a chat completion.
		return &attemptFailure{err: &TranslateError{Kind: FailureServerError, Status: status,
			Err: fmt.Errorf("unreadable response: %w", err)}, retryable: true}
	}
	var netErr net.Error
	switch {
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &attemptFailure{err: &TranslateError{Kind: FailureTimeout, Err: err}, retryable: true}
	case isNetworkError(err):
		return &attemptFailure{err: &TranslateError{Kind: FailureNetwork, Err: err}, retryable: true}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &attemptFailure{err: &TranslateError{Kind: FailureServerError, Err: fmt.Errorf("unreadable response: %w", err)}, retryable: true}
	}
	// Anything else is a request that could never succeed (bad base URL...).
	return &attemptFailure{err: &TranslateError{Kind: FailureClientError, Err: err}}
}

func isNetworkError(err error) bool {
	var urlErr *url.Error
	var opErr *net.OpError
	return errors.As(err, &urlErr) || errors.As(err, &opErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// contextFailure is the error of a call whose row context ended: a timeout
// if its deadline passed, otherwise a cancellation (job stopping).
func contextFailure(ctx context.Context, model string, attempts int, last *TranslateError) *TranslateError {
	kind := FailureCanceled
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		kind = FailureTimeout
	}
	cause := ctx.Err()
	if last != nil {
		cause = fmt.Errorf("%w (last attempt: %v)", cause, last)
	}
	return &TranslateError{Kind: kind, Model: model, Attempts: attempts, Err: cause}
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// retryAfter reads how long the server asked us to wait: retry-after-ms
// (OpenAI's), then Retry-After in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	if resp == nil {
		return 0
	}
	var d time.Duration
	if ms := strings.TrimSpace(resp.Header.Get("retry-after-ms")); ms != "" {
		if f, err := strconv.ParseFloat(ms, 64); err == nil && f > 0 {
			d = time.Duration(f * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); d == 0 && v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			d = time.Duration(f * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	if d < 0 {
		return 0
	}
	return min(d, translateMaxRetryAfter)
}

// translateBackoffCeiling is initial * 2^retry, capped at max.
func translateBackoffCeiling(initial, max time.Duration, retry int) time.Duration {
	d := initial
	for i := 0; i < retry && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// translateBackoff is the wait before retry number retry (0-based): the
// ceiling with "equal jitter" (half fixed, half random), so that rows that
// failed together do not all come back at the same instant.
func translateBackoff(initial, max time.Duration, retry int) time.Duration {
	c := translateBackoffCeiling(initial, max, retry)
	if c <= 1 {
		return c
	}
	return c/2 + rand.N(c/2+1)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func truncateForError(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

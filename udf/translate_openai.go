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

// openAITranslator calls the Chat Completions API of any OpenAI-compatible
// server with the official SDK. The SDK's own retries are off: this type
// retries, so that it can count retries and classify failures.
type openAITranslator struct {
	cfg       TranslateConfig
	client    openai.Client
	transport *http.Transport
	onRetry   func(model string)
	// sleep waits between attempts; tests may observe it.
	sleep func(ctx context.Context, d time.Duration) error
}

var _ translator = (*openAITranslator)(nil)

func newOpenAITranslator(cfg TranslateConfig, onRetry func(model string)) *openAITranslator {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// One idle connection per possible call in flight: the default of 2 per
	// host would open and close connections all the time at capacity 100.
	transport.MaxIdleConnsPerHost = cfg.Capacity
	transport.MaxIdleConns = cfg.Capacity
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.EffectiveBaseURL()),
		option.WithAPIKey(cfg.APIKey), // "" sends no Authorization header (Ollama, vLLM)
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: transport}),
	}
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
	}
	if onRetry == nil {
		onRetry = func(string) {}
	}
	return &openAITranslator{
		cfg:       cfg,
		client:    openai.NewClient(opts...),
		transport: transport,
		onRetry:   onRetry,
		sleep:     sleepContext,
	}
}

func (p *openAITranslator) close() { p.transport.CloseIdleConnections() }

func (p *openAITranslator) translate(ctx context.Context, req translateRequest) (translateResult, error) {
	system, user := TranslatePrompt(req.Text, req.Lang)
	params := openai.ChatCompletionNewParams{
		Model: req.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(system),
			openai.UserMessage(user),
		},
	}
	var res translateResult
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		out, fail := p.attempt(ctx, params, req)
		if fail == nil {
			out.Attempts = attempt
			return out, nil
		}
		res.InputTokens += out.InputTokens
		res.OutputTokens += out.OutputTokens
		fail.err.Attempts = attempt
		fail.err.Model = req.Model
		if !fail.retryable || attempt > p.cfg.MaxRetries {
			return res, fail.err
		}
		wait := fail.retryAfter
		if wait <= 0 {
			wait = translateBackoff(p.cfg.InitialBackoff, p.cfg.MaxBackoff, attempt-1)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// The row's time is up before the next attempt could start:
			// fail now with the real cause rather than a bare deadline.
			fail.err.Err = fmt.Errorf("%w (next attempt in %v would pass the call deadline)", fail.err.Err, wait.Round(time.Millisecond))
			return res, fail.err
		}
		p.onRetry(req.Model)
		if err := p.sleep(ctx, wait); err != nil {
			return res, contextFailure(ctx, req.Model, attempt, fail.err)
		}
	}
}

// translateAttemptFailure is one failed HTTP attempt.
type translateAttemptFailure struct {
	err        *TranslateError
	retryable  bool
	retryAfter time.Duration // from Retry-After / retry-after-ms, 0 if absent
}

func (p *openAITranslator) attempt(ctx context.Context, params openai.ChatCompletionNewParams, req translateRequest) (translateResult, *translateAttemptFailure) {
	actx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	var httpResp *http.Response
	comp, err := p.client.Chat.Completions.New(actx, params, option.WithResponseInto(&httpResp))
	if err == nil {
		var out translateResult
		out.InputTokens, out.OutputTokens = comp.Usage.PromptTokens, comp.Usage.CompletionTokens
		if len(comp.Choices) == 0 {
			return out, &translateAttemptFailure{err: &TranslateError{Kind: FailureServerError, Status: statusOf(httpResp),
				Err: errors.New("response has no choices")}, retryable: true}
		}
		out.Text = cleanTranslation(comp.Choices[0].Message.Content, req.Text)
		return out, nil
	}
	if ctx.Err() != nil {
		return translateResult{}, &translateAttemptFailure{err: contextFailure(ctx, req.Model, 0, nil)}
	}
	return translateResult{}, classifyTranslateError(actx, err, httpResp)
}

// classifyTranslateError decides what a failed attempt was and whether it is
// worth another: 408, 409, 429 and 5xx, timeouts, connection errors and
// unreadable answers are; other 4xx (bad key, unknown model) are not.
func classifyTranslateError(attemptCtx context.Context, err error, resp *http.Response) *translateAttemptFailure {
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
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureRateLimited, Status: status, Err: err},
			retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status == http.StatusRequestTimeout:
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureTimeout, Status: status, Err: err}, retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status == http.StatusConflict:
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureClientError, Status: status, Err: err}, retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status >= 500:
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureServerError, Status: status, Err: err}, retryable: true, retryAfter: retryAfter(resp, time.Now())}
	case status >= 400:
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureClientError, Status: status, Err: err}}
	case status >= 200 && status < 300:
		// The server answered but the body was not a chat completion.
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureServerError, Status: status,
			Err: fmt.Errorf("unreadable response: %w", err)}, retryable: true}
	}
	var netErr net.Error
	switch {
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureTimeout, Err: err}, retryable: true}
	case isNetworkError(err):
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureNetwork, Err: err}, retryable: true}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &translateAttemptFailure{err: &TranslateError{Kind: FailureServerError, Err: fmt.Errorf("unreadable response: %w", err)}, retryable: true}
	}
	// Anything else is a request that could never succeed (bad base URL...).
	return &translateAttemptFailure{err: &TranslateError{Kind: FailureClientError, Err: err}}
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

package udf

import (
	"context"
	"errors"
	"time"
)

// translateProvider is one translation back end (an OpenAI-compatible LLM,
// Apertium). The translation service in front of it batches, caches,
// de-duplicates, budgets, retries and meters; a provider makes exactly one
// attempt per call and says how it failed.
type translateProvider interface {
	// Name is the provider's name as users see it ("openai", "apertium").
	Name() string
	// Translate makes one attempt at translating every text of texts into
	// lang (a code such as "es") with model, in one request when it can.
	// On success the result has exactly len(texts) translations, in order.
	// A batch answer that cannot be matched to its texts (not parseable,
	// wrong length or ids) fails with Kind FailureBatchMalformed, and the
	// service falls back to one call per text.
	Translate(ctx context.Context, lang, model string, texts []string) (providerResult, *attemptFailure)
	// Budgeted reports whether requests cost money and count against the
	// requests/tokens per minute budget, the concurrency limit and the
	// circuit breaker (an LLM); a local engine (Apertium) is not.
	Budgeted() bool
	// MaxBatch is the most texts one request can carry (1: no batching).
	MaxBatch() int
	Close()
}

// providerResult is a successful attempt.
type providerResult struct {
	Texts                     []string
	InputTokens, OutputTokens int64
}

// attemptFailure is one failed attempt.
type attemptFailure struct {
	err        *TranslateError
	retryable  bool
	retryAfter time.Duration // from Retry-After / retry-after-ms, 0 if absent
	// usage spent by the failed attempt (a batch answer that did not parse
	// was still billed)
	inputTokens, outputTokens int64
}

// errBatchMalformed is the cause of a FailureBatchMalformed attempt.
var errBatchMalformed = errors.New("batch answer does not match the batch")

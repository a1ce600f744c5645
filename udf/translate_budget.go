package udf

import (
	"context"
	"sync"
	"time"
)

// tokenBucket is a rate limit of perMinute units, refilled continuously,
// holding at most burst. Take may drive the level below zero (one request
// bigger than the burst is let through when the bucket is full), which
// makes the next takers wait longer: the average rate still holds.
type tokenBucket struct {
	rate  float64 // units per second; 0 = unlimited
	burst float64
	level float64
	last  time.Time
}

func newTokenBucket(perMinute int) *tokenBucket {
	if perMinute <= 0 {
		return &tokenBucket{}
	}
	rate := float64(perMinute) / 60
	// a tenth of the minute's budget at once: enough to fill batches, not
	// enough to hit a provider's own per-second limits in a burst
	burst := max(1, float64(perMinute)/10)
	return &tokenBucket{rate: rate, burst: burst, level: burst}
}

// reserve takes n units at now and returns how long the caller must wait
// before using them (0 when available).
func (b *tokenBucket) reserve(now time.Time, n float64) time.Duration {
	if b.rate == 0 {
		return 0
	}
	if !b.last.IsZero() {
		b.level = min(b.burst, b.level+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	n = min(n, b.burst) // a single request larger than the burst waits for a full bucket
	b.level -= n
	if b.level >= 0 {
		return 0
	}
	return time.Duration(-b.level / b.rate * float64(time.Second))
}

// setRate changes the rate (units per second) and the burst, keeping the
// level within the new burst.
func (b *tokenBucket) setRate(perSecond, burst float64) {
	b.rate, b.burst = perSecond, burst
	b.level = min(b.level, burst)
}

// refund gives back n units (a reservation whose request was not sent).
func (b *tokenBucket) refund(n float64) {
	if b.rate != 0 {
		b.level = min(b.burst, b.level+min(n, b.burst))
	}
}

// modelBudget is the budget of one model: requests and tokens per minute,
// a pause after a 429 (every request waits out the provider's Retry-After,
// not only the one that drew it) and the circuit breaker.
type modelBudget struct {
	mu       sync.Mutex
	requests *tokenBucket
	tokens   *tokenBucket
	paused   time.Time // no request before this
	breaker  circuitBreaker
	limit    float64 // the configured requests/s (0: none), a ceiling for adaptive

	// adaptive is the request rate learned from 429s (AIMD): nil until the
	// first 429; cut to 80% of the rate that worked at each 429 (at most
	// once a second), raised by about one request per second every
	// second while requests succeed. So a provider's limit that the
	// settings do not know is found instead of hammered.
	adaptive *tokenBucket
	okCount  int       // successes since okSince
	okSince  time.Time // start of the current measurement
	lastCut  time.Time
}

func newModelBudget(cfg TranslateConfig) *modelBudget {
	return &modelBudget{
		requests: newTokenBucket(cfg.RequestsPerMin),
		tokens:   newTokenBucket(cfg.TokensPerMin),
		breaker:  circuitBreaker{threshold: cfg.BreakerFails, cooldown: cfg.BreakerCool},
		limit:    float64(cfg.RequestsPerMin) / 60,
	}
}

// minAdaptiveRate is the least request rate 429s can cut the budget to.
const minAdaptiveRate = 0.2

// rateLimited notes a 429: the first of a second cuts the adaptive rate.
func (m *modelBudget) rateLimited() {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if now.Sub(m.lastCut) < time.Second {
		return // one cut per second: a burst of 429s is one signal
	}
	window := max(time.Second, now.Sub(m.okSince))
	if m.okSince.IsZero() {
		window = time.Second
	}
	worked := float64(m.okCount) / window.Seconds()
	switch {
	case m.adaptive != nil:
		rate := max(minAdaptiveRate, 0.8*min(worked, m.adaptive.rate))
		m.adaptive.setRate(rate, max(1, rate/5))
	case m.okCount > 0:
		rate := max(minAdaptiveRate, 0.8*worked)
		m.adaptive = &tokenBucket{rate: rate, burst: max(1, rate/5), level: max(1, rate/5)}
	default:
		// no request has worked yet: nothing to learn a rate from; the
		// pause (Retry-After or backoff) is all there is, and the next
		// 429 may learn
		return
	}
	m.okCount, m.okSince, m.lastCut = 0, now, now
}

// succeeded notes a request the provider answered.
func (m *modelBudget) succeeded() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.okSince.IsZero() {
		m.okSince = time.Now()
	}
	m.okCount++
	if a := m.adaptive; a != nil {
		rate := a.rate + 1/a.rate // +1/s per second of successes
		if m.limit > 0 {
			rate = min(rate, m.limit)
		}
		a.setRate(rate, max(1, rate/5))
	}
}

// adaptiveRate is the learned request rate (0: none yet).
func (m *modelBudget) adaptiveRate() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.adaptive == nil {
		return 0
	}
	return m.adaptive.rate
}

// wait blocks until one request of about tokens tokens is within the
// budget, and returns how long it waited.
func (m *modelBudget) wait(ctx context.Context, tokens int) (time.Duration, error) {
	start := time.Now()
	reserved := false
	for {
		m.mu.Lock()
		now := time.Now()
		if now.Before(m.paused) {
			d := m.paused.Sub(now)
			m.mu.Unlock()
			if err := sleepContext(ctx, d); err != nil {
				return time.Since(start), err
			}
			continue
		}
		if reserved {
			m.mu.Unlock()
			return time.Since(start), nil
		}
		d := max(m.requests.reserve(now, 1), m.tokens.reserve(now, float64(tokens)))
		if m.adaptive != nil {
			d = max(d, m.adaptive.reserve(now, 1))
		}
		reserved = true
		m.mu.Unlock()
		if d == 0 {
			return time.Since(start), nil
		}
		if err := sleepContext(ctx, d); err != nil {
			m.mu.Lock()
			m.requests.refund(1)
			m.tokens.refund(float64(tokens))
			if m.adaptive != nil {
				m.adaptive.refund(1)
			}
			m.mu.Unlock()
			return time.Since(start), err
		}
		// a 429 may have paused the model while this request waited
	}
}

// pause holds every request of the model back for d (a 429's Retry-After).
func (m *modelBudget) pause(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until := time.Now().Add(d); until.After(m.paused) {
		m.paused = until
	}
}

// Circuit breaker states.
const (
	breakerClosed   = 0
	breakerOpen     = 1
	breakerHalfOpen = 2
)

// circuitBreaker stops calling an endpoint that keeps failing: after
// threshold consecutive failed attempts (server errors, timeouts,
// connection errors; not 429s, which the budget handles, nor 4xx) it opens
// and refuses every request for cooldown; then one probe request is let
// through (half open): success closes it, failure opens it again.
type circuitBreaker struct {
	threshold int // 0: never opens
	cooldown  time.Duration
	state     int
	fails     int
	openedAt  time.Time
	probing   bool
}

// allow reports whether a request may be sent now (under modelBudget.mu).
func (b *circuitBreaker) allow(now time.Time) bool {
	switch b.state {
	case breakerOpen:
		if now.Sub(b.openedAt) < b.cooldown {
			return false
		}
		b.state, b.probing = breakerHalfOpen, true
		return true
	case breakerHalfOpen:
		if b.probing {
			return false // one probe at a time
		}
		b.probing = true
		return true
	}
	return true
}

// record notes the outcome of an allowed request; it returns the state
// change, if any (for the log and metrics).
func (b *circuitBreaker) record(now time.Time, kind TranslateFailureKind, failed bool) (opened, closed bool) {
	b.probing = false
	down := failed && (kind == FailureServerError || kind == FailureTimeout || kind == FailureNetwork)
	switch {
	case failed && kind == FailureCanceled:
		return false, false // the job stopped: says nothing about the endpoint
	case !down:
		// it answered (a translation, a 429, a 4xx, a malformed batch): up
		wasOpen := b.state != breakerClosed
		b.fails, b.state = 0, breakerClosed
		return false, wasOpen
	case b.state == breakerHalfOpen:
		b.state, b.openedAt = breakerOpen, now // the probe failed
		return true, false
	}
	b.fails++
	if b.threshold > 0 && b.fails >= b.threshold && b.state == breakerClosed {
		b.state, b.openedAt = breakerOpen, now
		return true, false
	}
	return false, false
}

func (m *modelBudget) allow() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.breaker.allow(time.Now())
}

func (m *modelBudget) record(kind TranslateFailureKind, failed bool) (opened, closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.breaker.record(time.Now(), kind, failed)
}

// estimateTokens is a cheap estimate of the tokens of s for budgets and
// batch limits: about four bytes per token for Latin text, and at least one
// token per CJK character (two or three bytes each in UTF-8).
func estimateTokens(s string) int {
	n := 0
	ascii := 0
	for _, r := range s {
		if r < 0x80 {
			ascii++
		} else {
			n++
		}
	}
	return n + (ascii+3)/4
}

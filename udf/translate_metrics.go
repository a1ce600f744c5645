package udf

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// TranslateFailureKind classifies a failed TRANSLATE call (the kind label of
// chatsql_translate_failures_total).
type TranslateFailureKind string

const (
	FailureRateLimited TranslateFailureKind = "rate_limited"
	FailureServerError TranslateFailureKind = "server_error"
	FailureTimeout     TranslateFailureKind = "timeout"
	FailureClientError TranslateFailureKind = "client_error"
	FailureNoProvider  TranslateFailureKind = "no_provider"
	FailureNetwork     TranslateFailureKind = "network"
	// FailureCircuitOpen is a call refused without a request because the
	// circuit breaker of its model is open (the endpoint kept failing).
	FailureCircuitOpen TranslateFailureKind = "circuit_open"
	// FailureBatchMalformed is a batch answer that could not be matched to
	// its texts; the texts are then sent one by one, so a call fails with
	// it only if that fallback fails the same way.
	FailureBatchMalformed TranslateFailureKind = "batch_malformed"
	// FailureCanceled is a call abandoned because its job stopped; it is an
	// error for the row but not a provider failure, so it is not counted.
	FailureCanceled TranslateFailureKind = "canceled"
)

var (
	translateCallsMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_calls_total",
		Help: "TRANSLATE calls that reached an outcome (ok or error after the last retry).",
	}, []string{"job", "model", "outcome"})
	translateRetriesMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_retries_total",
		Help: "HTTP attempts of TRANSLATE beyond the first.",
	}, []string{"job", "model"})
	translateFailuresMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_failures_total",
		Help: "TRANSLATE calls that returned NULL with an error, by the last attempt's failure kind.",
	}, []string{"job", "model", "kind"})
	translateLatencyMetric = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chatsql_translate_latency_seconds",
		Help:    "Duration of a TRANSLATE call, retries and backoff included.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12), // 10 ms .. 20 s
	}, []string{"job", "model"})
	translateInFlightMetric = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_translate_in_flight",
		Help: "TRANSLATE calls in progress.",
	}, []string{"job", "model"})
	translateTokensMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_tokens_total",
		Help: "Tokens reported by the provider, by direction (input = prompt, output = completion).",
	}, []string{"job", "model", "direction"})
	translateRequestsMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_requests_total",
		Help: "Requests (attempts) sent to the translation provider, by outcome (ok or the failure kind).",
	}, []string{"job", "model", "provider", "outcome"})
	translateRequestLatencyMetric = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chatsql_translate_request_latency_seconds",
		Help:    "Duration of one request to the translation provider.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 13), // 5 ms .. 20 s
	}, []string{"job", "model", "provider"})
	translateBatchSizeMetric = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chatsql_translate_batch_size",
		Help:    "Texts per request to the translation provider.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
	}, []string{"job", "model"})
	translateCacheMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_cache_lookups_total",
		Help: "TRANSLATE calls by how they were served: hit (cache), shared (an identical request in flight), miss (a new request).",
	}, []string{"job", "result"})
	translateSkippedMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_skipped_total",
		Help: "TRANSLATE calls answered without the provider: empty, no_words (only emoji, URLs, mentions), same_language.",
	}, []string{"job", "reason"})
	translateCostMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_cost_usd_total",
		Help: "Estimated cost of the tokens used, in USD, from the model price table (translation.prices).",
	}, []string{"job", "model"})
	translateCircuitMetric = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_translate_circuit_open",
		Help: "1 while the circuit breaker of a model is open (calls get NULL at once), else 0.",
	}, []string{"job", "model"})
	translateBudgetWaitMetric = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chatsql_translate_budget_wait_seconds",
		Help:    "Time a request waited for the requests/tokens per minute budget or a 429's Retry-After.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1 ms .. 4 min
	}, []string{"job", "model"})
	translateFallbacksMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_translate_batch_fallbacks_total",
		Help: "Batch answers that did not match their texts, whose texts were then sent one by one.",
	}, []string{"job", "model"})
)

// Stats is a snapshot of a job's TRANSLATE activity, for SHOW JOBS and
// DESCRIBE JOB.
type Stats struct {
	Provider string // provider in use ("openai", "apertium", "none")
	Calls    int64  // calls that reached an outcome (ok or failed)
	Failures int64  // calls that returned NULL with an error
	Retries  int64  // attempts beyond the first
	InFlight int64  // calls in progress

	Requests     int64 // requests sent to the provider (attempts)
	Texts        int64 // texts carried by successful requests
	CacheHits    int64 // calls answered from the cache
	CacheShared  int64 // calls that joined an identical request in flight
	CacheMisses  int64 // calls that needed a request
	Skipped      int64 // calls that needed none (empty, no words, same language)
	Fallbacks    int64 // malformed batch answers retried one by one
	InputTokens  int64
	OutputTokens int64
	CostUSD      float64 // estimated
	CircuitOpen  int64   // models whose breaker is open now
}

// HitRate is the share of the calls with text that needed no new request.
func (s Stats) HitRate() float64 {
	n := s.CacheHits + s.CacheShared + s.CacheMisses + s.Skipped
	if n == 0 {
		return 0
	}
	return float64(s.CacheHits+s.CacheShared+s.Skipped) / float64(n)
}

type translateJobCounters struct {
	calls, failures, retries, inFlight      atomic.Int64
	requests, texts, hits, shared, misses   atomic.Int64
	skipped, fallbacks, inTokens, outTokens atomic.Int64
	costNanoUSD, circuitOpen                atomic.Int64
	provider                                atomic.Value // string
}

var translateJobs sync.Map // job id -> *translateJobCounters

func translateCounters(job string) *translateJobCounters {
	if c, ok := translateJobs.Load(job); ok {
		return c.(*translateJobCounters)
	}
	c, _ := translateJobs.LoadOrStore(job, &translateJobCounters{})
	return c.(*translateJobCounters)
}

// TranslateStats returns the TRANSLATE counters of a job (zero for a job
// that never called it).
func TranslateStats(job string) Stats {
	c, ok := translateJobs.Load(job)
	if !ok {
		return Stats{}
	}
	jc := c.(*translateJobCounters)
	provider, _ := jc.provider.Load().(string)
	return Stats{Provider: provider, Calls: jc.calls.Load(), Failures: jc.failures.Load(), Retries: jc.retries.Load(), InFlight: jc.inFlight.Load(),
		Requests: jc.requests.Load(), Texts: jc.texts.Load(), CacheHits: jc.hits.Load(), CacheShared: jc.shared.Load(),
		CacheMisses: jc.misses.Load(), Skipped: jc.skipped.Load(), Fallbacks: jc.fallbacks.Load(),
		InputTokens: jc.inTokens.Load(), OutputTokens: jc.outTokens.Load(),
		CostUSD: float64(jc.costNanoUSD.Load()) / 1e9, CircuitOpen: jc.circuitOpen.Load()}
}

// translateMeter counts one job's calls in Prometheus and in its Stats.
type translateMeter struct {
	job      string // the job label
	counters *translateJobCounters
	prices   map[string]ModelPrice
	// label-bound handles of the per-call hot path, so that a cache hit
	// does not hash label values five times
	models  sync.Map // model -> *modelMetrics
	lookups map[string]prometheus.Counter
	skips   map[string]prometheus.Counter
}

type modelMetrics struct {
	inFlight prometheus.Gauge
	latency  prometheus.Observer
	ok       prometheus.Counter
}

func (m *translateMeter) model(model string) *modelMetrics {
	if mm, ok := m.models.Load(model); ok {
		return mm.(*modelMetrics)
	}
	mm, _ := m.models.LoadOrStore(model, &modelMetrics{
		inFlight: translateInFlightMetric.WithLabelValues(m.job, model),
		latency:  translateLatencyMetric.WithLabelValues(m.job, model),
		ok:       translateCallsMetric.WithLabelValues(m.job, model, "ok"),
	})
	return mm.(*modelMetrics)
}

// newTranslateMeter counts for the job with id jobID (Stats) under the
// metrics label job (its name, stable across restarts; the id if none).
func newTranslateMeter(jobID, job, provider string, prices map[string]ModelPrice) *translateMeter {
	if job == "" {
		job = jobID
	}
	m := &translateMeter{job: job, counters: translateCounters(jobID), prices: prices,
		lookups: map[string]prometheus.Counter{}, skips: map[string]prometheus.Counter{}}
	for _, r := range []string{"hit", "shared", "miss"} {
		m.lookups[r] = translateCacheMetric.WithLabelValues(job, r)
	}
	for _, r := range []string{skipReasonEmpty, skipReasonNoWords, skipReasonSameLanguage} {
		m.skips[r] = translateSkippedMetric.WithLabelValues(job, r)
	}
	m.counters.provider.Store(provider)
	return m
}

func (m *translateMeter) start(model string) time.Time {
	m.counters.inFlight.Add(1)
	m.model(model).inFlight.Inc()
	return time.Now()
}

func (m *translateMeter) finish(model string, started time.Time, kind TranslateFailureKind, failed bool) {
	m.counters.inFlight.Add(-1)
	mm := m.model(model)
	mm.inFlight.Dec()
	mm.latency.Observe(time.Since(started).Seconds())
	m.outcome(model, kind, failed)
}

// request counts one attempt sent to the provider: its outcome, latency,
// texts, tokens and their estimated cost.
func (m *translateMeter) request(model, provider string, texts int, d time.Duration, in, out int64, kind TranslateFailureKind, failed bool) {
	outcome := "ok"
	if failed {
		outcome = string(kind)
	}
	m.counters.requests.Add(1)
	translateRequestsMetric.WithLabelValues(m.job, model, provider, outcome).Inc()
	translateRequestLatencyMetric.WithLabelValues(m.job, model, provider).Observe(d.Seconds())
	if !failed {
		m.counters.texts.Add(int64(texts))
		translateBatchSizeMetric.WithLabelValues(m.job, model).Observe(float64(texts))
	}
	if in > 0 {
		m.counters.inTokens.Add(in)
		translateTokensMetric.WithLabelValues(m.job, model, "input").Add(float64(in))
	}
	if out > 0 {
		m.counters.outTokens.Add(out)
		translateTokensMetric.WithLabelValues(m.job, model, "output").Add(float64(out))
	}
	if p, ok := m.prices[model]; ok && (in > 0 || out > 0) {
		usd := (float64(in)*p.Input + float64(out)*p.Output) / 1e6
		m.counters.costNanoUSD.Add(int64(usd * 1e9))
		translateCostMetric.WithLabelValues(m.job, model).Add(usd)
	}
}

// lookup counts how a call with text was served: "hit", "shared" or "miss".
func (m *translateMeter) lookup(result string) {
	switch result {
	case "hit":
		m.counters.hits.Add(1)
	case "shared":
		m.counters.shared.Add(1)
	default:
		m.counters.misses.Add(1)
	}
	m.lookups[result].Inc()
}

func (m *translateMeter) skipped(reason string) {
	m.counters.skipped.Add(1)
	if c, ok := m.skips[reason]; ok {
		c.Inc()
		return
	}
	translateSkippedMetric.WithLabelValues(m.job, reason).Inc()
}

func (m *translateMeter) fallback(model string) {
	m.counters.fallbacks.Add(1)
	translateFallbacksMetric.WithLabelValues(m.job, model).Inc()
}

func (m *translateMeter) budgetWait(model string, d time.Duration) {
	translateBudgetWaitMetric.WithLabelValues(m.job, model).Observe(d.Seconds())
}

func (m *translateMeter) circuit(model string, open bool) {
	if open {
		m.counters.circuitOpen.Add(1)
		translateCircuitMetric.WithLabelValues(m.job, model).Set(1)
		return
	}
	m.counters.circuitOpen.Add(-1)
	translateCircuitMetric.WithLabelValues(m.job, model).Set(0)
}

// outcome counts a call that reached its end (also one that never started,
// such as a call without a provider).
func (m *translateMeter) outcome(model string, kind TranslateFailureKind, failed bool) {
	m.counters.calls.Add(1)
	if !failed {
		m.model(model).ok.Inc()
		return
	}
	translateCallsMetric.WithLabelValues(m.job, model, "error").Inc()
	m.counters.failures.Add(1)
	if kind != FailureCanceled {
		translateFailuresMetric.WithLabelValues(m.job, model, string(kind)).Inc()
	}
}

func (m *translateMeter) retry(model string) {
	m.counters.retries.Add(1)
	translateRetriesMetric.WithLabelValues(m.job, model).Inc()
}

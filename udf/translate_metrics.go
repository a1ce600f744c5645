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
)

// Stats is a snapshot of a job's TRANSLATE activity, for SHOW JOBS.
type Stats struct {
	Calls    int64 // calls that reached an outcome (ok or failed)
	Failures int64 // calls that returned NULL with an error
	Retries  int64 // HTTP attempts beyond the first
	InFlight int64 // calls in progress
}

type translateJobCounters struct {
	calls, failures, retries, inFlight atomic.Int64
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
	return Stats{Calls: jc.calls.Load(), Failures: jc.failures.Load(), Retries: jc.retries.Load(), InFlight: jc.inFlight.Load()}
}

// translateMeter counts one job's calls in Prometheus and in its Stats.
type translateMeter struct {
	job      string
	counters *translateJobCounters
}

func newTranslateMeter(job string) *translateMeter {
	return &translateMeter{job: job, counters: translateCounters(job)}
}

func (m *translateMeter) start(model string) time.Time {
	m.counters.inFlight.Add(1)
	translateInFlightMetric.WithLabelValues(m.job, model).Inc()
	return time.Now()
}

func (m *translateMeter) finish(model string, started time.Time, res translateResult, kind TranslateFailureKind, failed bool) {
	m.counters.inFlight.Add(-1)
	translateInFlightMetric.WithLabelValues(m.job, model).Dec()
	translateLatencyMetric.WithLabelValues(m.job, model).Observe(time.Since(started).Seconds())
	m.outcome(model, kind, failed)
	if res.InputTokens > 0 {
		translateTokensMetric.WithLabelValues(m.job, model, "input").Add(float64(res.InputTokens))
	}
	if res.OutputTokens > 0 {
		translateTokensMetric.WithLabelValues(m.job, model, "output").Add(float64(res.OutputTokens))
	}
}

// outcome counts a call that reached its end (also one that never started,
// such as a call without a provider).
func (m *translateMeter) outcome(model string, kind TranslateFailureKind, failed bool) {
	m.counters.calls.Add(1)
	if !failed {
		translateCallsMetric.WithLabelValues(m.job, model, "ok").Inc()
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

// Package metrics defines chatsql's Prometheus metrics (registered on the
// default registry, served by --metrics-addr) and cheap per-job handles that
// the runtime updates once per batch. Every counter also keeps its own value
// so that SHOW JOBS (exec.Job.Status) reads the very same numbers.
package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The metric families. Label "job" is the job's stable name (the sink name);
// "operator" is "<node id>:<kind>:<name>".
var (
	RowsIn = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_operator_rows_in_total",
		Help: "Rows received by an operator (for sources: raw rows polled).",
	}, []string{"job", "operator"})
	RowsOut = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_operator_rows_out_total",
		Help: "Rows emitted by an operator.",
	}, []string{"job", "operator"})
	DeadLetters = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_dead_letter_total",
		Help: "Records dropped from the stream and sent to dead-letter handling.",
	}, []string{"job", "source"})
	ConsumerLag = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_kafka_consumer_lag",
		Help: "Records between the consumer position and the partition's high watermark.",
	}, []string{"job", "topic", "partition"})
	WatermarkLag = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_watermark_lag_seconds",
		Help: "Wall clock minus the operator's current watermark.",
	}, []string{"job", "operator"})
	Checkpoints = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_checkpoints_total",
		Help: "Checkpoints by outcome (completed, failed).",
	}, []string{"job", "status"})
	CheckpointDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chatsql_checkpoint_duration_seconds",
		Help:    "Time from triggering a checkpoint to it being durable.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	}, []string{"job"})
	JobUp = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_job_up",
		Help: "1 while the job runs, 0 after it ended.",
	}, []string{"job"})
)

// Counter is a Prometheus counter plus a local value for status displays.
// The local value counts this job run only; the Prometheus series is shared
// by every run with the same job name, as Prometheus counters should be.
type Counter struct {
	p prometheus.Counter
	n atomic.Int64
}

// Add adds n (>= 0).
func (c *Counter) Add(n int) {
	if n <= 0 {
		return
	}
	c.n.Add(int64(n))
	c.p.Add(float64(n))
}

// Value returns the count of this run.
func (c *Counter) Value() int64 { return c.n.Load() }

// Operator holds one operator's handles.
type Operator struct {
	Label   string
	RowsIn  Counter
	RowsOut Counter
	// Errors counts failed calls that did not drop the row (async calls
	// answered NULL). It is not exported to Prometheus by the runtime;
	// functions count their own failures.
	Errors    atomic.Int64
	watermark atomic.Int64
	wmLag     prometheus.Gauge
}

// SetWatermark records the operator's current watermark (micros) and
// updates the watermark lag gauge.
func (o *Operator) SetWatermark(wm int64) {
	o.watermark.Store(wm)
	if wm == minWM || wm == maxWM {
		return
	}
	lag := float64(time.Now().UnixMicro()-wm) / 1e6
	o.wmLag.Set(lag)
}

// Watermark returns the last watermark set (math.MinInt64 before the first).
func (o *Operator) Watermark() int64 { return o.watermark.Load() }

const (
	minWM = -1 << 63
	maxWM = 1<<63 - 1
)

// Job holds the handles of one job run.
type Job struct {
	name string

	mu          sync.Mutex
	deadLetters map[string]*Counter
	completed   prometheus.Counter
	failed      prometheus.Counter
	duration    prometheus.Observer
	up          prometheus.Gauge
}

// NewJob returns the handles for a job named name and marks it up.
func NewJob(name string) *Job {
	j := &Job{
		name:        name,
		deadLetters: map[string]*Counter{},
		completed:   Checkpoints.WithLabelValues(name, "completed"),
		failed:      Checkpoints.WithLabelValues(name, "failed"),
		duration:    CheckpointDuration.WithLabelValues(name),
		up:          JobUp.WithLabelValues(name),
	}
	j.up.Set(1)
	return j
}

// Operator returns new handles for one operator of the job.
func (j *Job) Operator(label string) *Operator {
	o := &Operator{Label: label, wmLag: WatermarkLag.WithLabelValues(j.name, label)}
	o.RowsIn.p = RowsIn.WithLabelValues(j.name, label)
	o.RowsOut.p = RowsOut.WithLabelValues(j.name, label)
	o.watermark.Store(minWM)
	return o
}

// DeadLetter returns the dead-letter counter of a source (or operator).
func (j *Job) DeadLetter(source string) *Counter {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.deadLetters[source]
	if c == nil {
		c = &Counter{p: DeadLetters.WithLabelValues(j.name, source)}
		j.deadLetters[source] = c
	}
	return c
}

// DeadLettered returns the total dead-lettered in this run, over all sources.
func (j *Job) DeadLettered() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	var n int64
	for _, c := range j.deadLetters {
		n += c.Value()
	}
	return n
}

// SetConsumerLag records a Kafka partition's consumer lag.
func (j *Job) SetConsumerLag(topic string, partition int32, lag int64) {
	ConsumerLag.WithLabelValues(j.name, topic, strconv.Itoa(int(partition))).Set(float64(lag))
}

// CheckpointCompleted counts a durable checkpoint and its duration.
func (j *Job) CheckpointCompleted(d time.Duration) {
	j.completed.Inc()
	j.duration.Observe(d.Seconds())
}

// CheckpointFailed counts a failed checkpoint.
func (j *Job) CheckpointFailed() { j.failed.Inc() }

// SetUp marks the job as running or not.
func (j *Job) SetUp(up bool) {
	if up {
		j.up.Set(1)
	} else {
		j.up.Set(0)
	}
}

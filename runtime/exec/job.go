// Package exec runs physical plans (planner/plan graphs) as jobs: one
// goroutine per node, bounded channels between them carrying batches,
// watermarks, checkpoint barriers and end-of-input in band; a checkpoint
// coordinator; restart from the latest checkpoint; graceful stop. It lives
// apart from package runtime because it needs the connector and function
// registries, which themselves import runtime.
package exec

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/checkpoint"
	"github.com/chatsql/chatsql/runtime/metrics"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// Setting names the runtime reads from Options.Settings.
const (
	SettingCheckpointInterval = "execution.checkpointing.interval"
	SettingIdleTimeout        = "table.exec.source.idle-timeout"
)

// Defaults.
const (
	DefaultCheckpointInterval = 10 * time.Second
	DefaultIdleTimeout        = 5 * time.Second
	DefaultChannelCapacity    = 8
	DefaultBatchSize          = 512
	DefaultWatermarkInterval  = 200 * time.Millisecond
	// checkpointTimeout abandons a checkpoint that never completes, so that
	// later ones can run.
	checkpointTimeout = 10 * time.Minute
)

// Options configure a job.
type Options struct {
	JobID, Name string // Name is stable across restarts (the sink name); JobID unique per run
	// CheckpointDir holds the job's checkpoints, e.g.
	// <data-dir>/checkpoints/<Name>; "" = no checkpoints written (barriers
	// still flow on Stop and TriggerCheckpoint, so sinks flush).
	CheckpointDir string
	// CheckpointInterval between periodic checkpoints (0: the setting
	// execution.checkpointing.interval, else 10 s; negative: none).
	CheckpointInterval time.Duration
	Settings           map[string]string // session settings, passed to udf.Env and connectors
	ChannelCapacity    int               // batches per channel (default 8)
	BatchSize          int               // max rows per batch a source driver forwards (default 512)
	// Collect receives the rows of KindCollect nodes.
	Collect func(ctx context.Context, rows []types.Row) error
	Logf    func(format string, args ...any) // nil: log.Printf
	// DeadLetter, when set, also receives every dead-lettered record (after
	// it was counted), e.g. to write it to a topic.
	DeadLetter func(ctx context.Context, rec runtime.DeadLetterRecord)
	Connectors *connectors.Registry // nil = connectors.Default
	Functions  *udf.Registry        // nil = udf.Default
	// WatermarkInterval is the least time between two watermarks a source
	// emits (default 200 ms).
	WatermarkInterval time.Duration
}

// State is a job's lifecycle state.
type State string

// Job states.
const (
	StateRunning  State = "RUNNING"
	StateStopping State = "STOPPING" // Stop called: final checkpoint, then drain
	StateFinished State = "FINISHED" // bounded inputs exhausted or LIMIT reached
	StateStopped  State = "STOPPED"  // ended by Stop
	StateCanceled State = "CANCELED" // ended by Cancel or the Start context
	StateFailed   State = "FAILED"
)

// Errors with identity.
var (
	ErrBadPlan = errors.New("invalid plan")
	// ErrPanic is wrapped by the error of an operator that panicked.
	ErrPanic = errors.New("operator panicked")
	// ErrJobEnded is returned by TriggerCheckpoint when the job ended (or
	// all its sources did) before the checkpoint could complete.
	ErrJobEnded = errors.New("job ended")
	// ErrCheckpointTimeout fails a checkpoint that took too long.
	ErrCheckpointTimeout = errors.New("checkpoint timed out")
	// errLimitReached ends a job successfully (Collect's LIMIT).
	errLimitReached = errors.New("limit reached")
)

// OperatorError says which operator failed; Stack is set for panics.
type OperatorError struct {
	Operator string // "<node id>:<kind>:<name>"
	Err      error
	Stack    []byte
}

func (e *OperatorError) Error() string { return fmt.Sprintf("operator %s: %v", e.Operator, e.Err) }
func (e *OperatorError) Unwrap() error { return e.Err }

// Job is a running (or ended) plan.
type Job struct {
	id, name string
	opts     Options
	graph    *plan.Graph
	metrics  *metrics.Job
	nodes    []*node
	coord    *coordinator
	started  time.Time

	ctx      context.Context
	cancel   context.CancelCauseFunc
	wg       sync.WaitGroup // node goroutines
	done     chan struct{}
	stopping atomic.Bool
	canceled atomic.Bool
	limited  atomic.Bool
	dlLogged atomic.Int64

	mu    sync.Mutex
	state State
	err   error
	ended time.Time
}

// Start builds the operators of g, restores the latest checkpoint in
// opts.CheckpointDir if there is one, and runs the job. It returns once the
// job's goroutines are started; opening sources and sinks happens inside
// them, so their failures surface through Wait.
func Start(ctx context.Context, g *plan.Graph, opts Options) (*Job, error) {
	opts = withDefaults(opts)
	if err := validate(g); err != nil {
		return nil, err
	}
	jctx, cancel := context.WithCancelCause(ctx)
	j := &Job{
		id: opts.JobID, name: opts.Name, opts: opts, graph: g,
		metrics: metrics.NewJob(opts.Name), started: time.Now(),
		ctx: jctx, cancel: cancel, done: make(chan struct{}), state: StateRunning,
	}
	fail := func(err error) (*Job, error) {
		cancel(err)
		j.metrics.SetUp(false)
		for _, n := range j.nodes {
			n.discard()
		}
		return nil, err
	}
	var restored *checkpoint.Manifest
	var maxID int64
	var store *checkpoint.Store
	if opts.CheckpointDir != "" {
		store = &checkpoint.Store{Dir: opts.CheckpointDir, Logf: opts.Logf}
		m, mx, err := store.Latest()
		switch {
		case err == nil:
			restored = m
			opts.Logf("job %s: restoring checkpoint %d of %s (written %s)", j.name, m.ID, m.JobID, m.Time.Format(time.RFC3339))
			if m.Fingerprint != fingerprint(g) {
				opts.Logf("warning: job %s: the plan changed since checkpoint %d; nodes whose id, kind and name match are restored", j.name, m.ID)
			}
		case errors.Is(err, checkpoint.ErrNotFound):
		default:
			return fail(err)
		}
		maxID = mx
	}
	byID := map[int]*node{}
	for _, pn := range g.Nodes {
		n, err := j.newNode(pn, restored)
		if err != nil {
			return fail(err)
		}
		j.nodes = append(j.nodes, n)
		byID[pn.ID] = n
	}
	for _, n := range j.nodes {
		for _, in := range n.pn.Inputs {
			ch := make(chan message, opts.ChannelCapacity)
			byID[in].outs = append(byID[in].outs, ch)
			n.ins = append(n.ins, ch)
		}
	}
	j.coord = newCoordinator(j, store, maxID+1)
	register(j)
	for _, n := range j.nodes {
		n := n
		j.spawn(n.label, n.run)
	}
	coordDone := make(chan struct{})
	cctx, ccancel := context.WithCancel(jctx)
	go func() {
		defer close(coordDone)
		j.coord.run(cctx)
	}()
	go func() {
		j.wg.Wait()
		ccancel()
		<-coordDone
		j.finish()
	}()
	return j, nil
}

func withDefaults(o Options) Options {
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	if o.JobID == "" {
		o.JobID = fmt.Sprintf("%s-%d", o.Name, time.Now().UnixNano())
	}
	if o.Name == "" {
		o.Name = o.JobID
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
		if s := o.Settings[SettingCheckpointInterval]; s != "" {
			if d, err := connectors.ParseDuration(s); err == nil {
				o.CheckpointInterval = d
			} else {
				o.Logf("warning: setting %s: %v; using %s", SettingCheckpointInterval, err, DefaultCheckpointInterval)
			}
		}
	}
	if o.ChannelCapacity <= 0 {
		o.ChannelCapacity = DefaultChannelCapacity
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.WatermarkInterval <= 0 {
		o.WatermarkInterval = DefaultWatermarkInterval
	}
	if o.Connectors == nil {
		o.Connectors = connectors.Default
	}
	if o.Functions == nil {
		o.Functions = udf.Default
	}
	return o
}

func validate(g *plan.Graph) error {
	if g == nil || len(g.Nodes) == 0 {
		return fmt.Errorf("%w: empty graph", ErrBadPlan)
	}
	seen := map[int]*plan.Node{}
	for _, n := range g.Nodes {
		if _, dup := seen[n.ID]; dup {
			return fmt.Errorf("%w: duplicate node id %d", ErrBadPlan, n.ID)
		}
		for _, in := range n.Inputs {
			if seen[in] == nil {
				return fmt.Errorf("%w: node %d:%s reads node %d, which does not come before it", ErrBadPlan, n.ID, n.Kind, in)
			}
		}
		if n.Kind == plan.KindSource && len(n.Inputs) > 0 {
			return fmt.Errorf("%w: source node %d has inputs", ErrBadPlan, n.ID)
		}
		if n.Kind != plan.KindSource && len(n.Inputs) == 0 {
			return fmt.Errorf("%w: node %d:%s has no input", ErrBadPlan, n.ID, n.Kind)
		}
		seen[n.ID] = n
	}
	return nil
}

// fingerprint identifies the shape of a plan: nodes, kinds, names, edges
// and schemas.
func fingerprint(g *plan.Graph) string {
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	for _, n := range g.Nodes {
		add(strconv.Itoa(n.ID))
		add(n.Kind)
		add(n.Name)
		add(fmt.Sprint(n.Inputs))
		add(n.Schema.String())
	}
	return strconv.FormatUint(h, 16)
}

// spawn runs fn in a goroutine of the job under a guard that turns a panic
// into an error with the stack; the first error fails the job.
func (j *Job) spawn(label string, fn func(ctx context.Context) error) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		err := guard(label, func() error { return fn(j.ctx) })
		var oe *OperatorError
		if errors.As(err, &oe) && oe.Stack != nil {
			j.opts.Logf("job %s: %v\n%s", j.name, err, oe.Stack)
		}
		j.fail(err)
	}()
}

func guard(label string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &OperatorError{Operator: label, Err: fmt.Errorf("%w: %v", ErrPanic, r), Stack: stack()}
		}
	}()
	return fn()
}

// fail records the job's first error and cancels the job. Errors that are
// only the echo of a cancellation are ignored.
func (j *Job) fail(err error) {
	if err == nil {
		return
	}
	if errors.Is(err, errLimitReached) {
		j.limited.Store(true)
		j.cancel(err)
		return
	}
	if j.ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return
	}
	j.mu.Lock()
	if j.err == nil && !j.limited.Load() && !j.canceled.Load() {
		j.err = err
	}
	j.mu.Unlock()
	j.cancel(err)
}

func (j *Job) finish() {
	j.mu.Lock()
	switch {
	case j.err != nil:
		j.state = StateFailed
	case j.limited.Load():
		j.state = StateFinished
	case j.canceled.Load() || j.ctx.Err() != nil:
		j.state = StateCanceled
	case j.stopping.Load():
		j.state = StateStopped
	default:
		j.state = StateFinished
	}
	j.ended = time.Now()
	err, state := j.err, j.state
	j.mu.Unlock()
	j.cancel(nil)
	j.metrics.SetUp(false)
	if err != nil {
		j.opts.Logf("job %s (%s) failed: %v", j.name, j.id, err)
	} else {
		j.opts.Logf("job %s (%s) %s", j.name, j.id, state)
	}
	close(j.done)
}

// ID returns the job's run id.
func (j *Job) ID() string { return j.id }

// Name returns the job's stable name.
func (j *Job) Name() string { return j.name }

// Wait blocks until the job ends and returns its error: nil when it
// finished, was stopped or was cancelled.
func (j *Job) Wait() error {
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Done is closed when the job has ended.
func (j *Job) Done() <-chan struct{} { return j.done }

// Cancel ends the job at once, without a final checkpoint; sinks are closed
// without a flush. It does not wait (use Wait).
func (j *Job) Cancel() {
	select {
	case <-j.done:
		return
	default:
	}
	j.canceled.Store(true)
	j.cancel(context.Canceled)
}

// Stop ends the job gracefully: sources stop reading and inject a final
// barrier; once that checkpoint is durable, end-of-input flows down (without
// a max watermark: pending timers do not fire), operators close and sinks
// flush and close. It returns the job's error, or ctx's if ctx ends first,
// in which case the job is cancelled.
func (j *Job) Stop(ctx context.Context) error {
	select {
	case <-j.done:
		return j.Wait()
	default:
	}
	if !j.stopping.Swap(true) {
		j.mu.Lock()
		if j.state == StateRunning {
			j.state = StateStopping
		}
		j.mu.Unlock()
		reply := make(chan triggerResult, 1)
		select {
		case j.coord.events <- coordEvent{kind: evTrigger, final: true, reply: reply}:
		case <-j.done:
		case <-ctx.Done():
			j.Cancel()
			return ctx.Err()
		}
	}
	select {
	case <-j.done:
		return j.Wait()
	case <-ctx.Done():
		j.Cancel()
		<-j.done
		return ctx.Err()
	}
}

// TriggerCheckpoint runs a checkpoint now (after the one in progress, if
// any) and waits until it is durable. It returns the checkpoint's id.
func (j *Job) TriggerCheckpoint(ctx context.Context) (int64, error) {
	reply := make(chan triggerResult, 1)
	select {
	case j.coord.events <- coordEvent{kind: evTrigger, reply: reply}:
	case <-j.done:
		return 0, ErrJobEnded
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case r := <-reply:
		return r.id, r.err
	case <-j.done:
		// The coordinator answers every request before the job ends; read
		// its answer if it is there.
		select {
		case r := <-reply:
			return r.id, r.err
		default:
			return 0, ErrJobEnded
		}
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// OperatorStatus is one node's figures.
type OperatorStatus struct {
	ID        int
	Kind      string
	Name      string
	Label     string // "<id>:<kind>:<name>", the metrics label
	RowsIn    int64
	RowsOut   int64
	Errors    int64 // failed async calls answered with NULL
	Watermark int64 // current watermark (sources: emitted; operators: input); runtime.MinWatermark before any
}

// CheckpointInfo describes a completed checkpoint.
type CheckpointInfo struct {
	ID       int64
	Time     time.Time
	Duration time.Duration
}

// JobStatus is a snapshot of a job for SHOW JOBS.
type JobStatus struct {
	ID, Name  string
	State     State
	Started   time.Time
	Ended     time.Time // zero while running
	Operators []OperatorStatus
	// Watermark is the minimum over the job's terminal nodes (sinks).
	Watermark            int64
	LastCheckpoint       *CheckpointInfo // nil before the first
	CheckpointsCompleted int64
	CheckpointsFailed    int64
	DeadLettered         int64
	Err                  error
}

// Status returns the job's current figures.
func (j *Job) Status() JobStatus {
	j.mu.Lock()
	st := JobStatus{ID: j.id, Name: j.name, State: j.state, Started: j.started, Ended: j.ended, Err: j.err}
	j.mu.Unlock()
	st.Watermark = runtime.MaxWatermark
	terminal := 0
	for _, n := range j.nodes {
		os := OperatorStatus{ID: n.pn.ID, Kind: n.pn.Kind, Name: n.pn.Name, Label: n.label,
			RowsIn: n.stats.RowsIn.Value(), RowsOut: n.stats.RowsOut.Value(),
			Errors: n.stats.Errors.Load(), Watermark: n.stats.Watermark()}
		st.Operators = append(st.Operators, os)
		if len(n.outs) == 0 {
			terminal++
			st.Watermark = min(st.Watermark, os.Watermark)
		}
	}
	if terminal == 0 {
		st.Watermark = runtime.MinWatermark
	}
	st.LastCheckpoint = j.coord.last.Load()
	st.CheckpointsCompleted = j.coord.completed.Load()
	st.CheckpointsFailed = j.coord.failed.Load()
	st.DeadLettered = j.metrics.DeadLettered()
	return st
}

func (j *Job) logf(format string, args ...any) { j.opts.Logf(format, args...) }

// deadLetter returns the dead-letter function of a node.
func (j *Job) deadLetter(defaultSource string) func(ctx context.Context, rec runtime.DeadLetterRecord) {
	return func(ctx context.Context, rec runtime.DeadLetterRecord) {
		if rec.Source == "" {
			rec.Source = defaultSource
		}
		j.metrics.DeadLetter(rec.Source).Add(1)
		if j.dlLogged.Add(1) <= 10 {
			where := rec.Source
			if rec.Topic != "" {
				where = fmt.Sprintf("%s (%s partition %d offset %d)", rec.Source, rec.Topic, rec.Partition, rec.Offset)
			}
			j.logf("job %s: dead letter from %s: %v", j.name, where, rec.Err)
		}
		if j.opts.DeadLetter != nil {
			j.opts.DeadLetter(ctx, rec)
		}
	}
}

// The process-wide job registry, for SHOW JOBS and STOP JOB. Ended jobs
// stay listed (with their final state) until more than keepEnded have ended.
var jobs = struct {
	sync.Mutex
	m     map[string]*Job
	order []string
}{m: map[string]*Job{}}

const keepEnded = 100

func register(j *Job) {
	jobs.Lock()
	defer jobs.Unlock()
	if _, dup := jobs.m[j.id]; !dup {
		jobs.order = append(jobs.order, j.id)
	}
	jobs.m[j.id] = j
	ended := 0
	for i := len(jobs.order) - 1; i >= 0; i-- {
		id := jobs.order[i]
		select {
		case <-jobs.m[id].done:
			ended++
			if ended > keepEnded {
				delete(jobs.m, id)
				jobs.order = append(jobs.order[:i], jobs.order[i+1:]...)
			}
		default:
		}
	}
}

// List returns the registered jobs, oldest first.
func List() []*Job {
	jobs.Lock()
	defer jobs.Unlock()
	out := make([]*Job, 0, len(jobs.order))
	for _, id := range jobs.order {
		out = append(out, jobs.m[id])
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].started.Before(out[b].started) })
	return out
}

// Get finds a job by id.
func Get(id string) (*Job, bool) {
	jobs.Lock()
	defer jobs.Unlock()
	j, ok := jobs.m[id]
	return j, ok
}

package exec

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/metrics"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// DefaultAsyncCapacity is the in-flight bound when AsyncConfig.Capacity is 0.
const DefaultAsyncCapacity = 100

// asyncOp is Flink's AsyncWaitOperator: it calls an async function per row
// with at most Capacity calls in flight (Process blocks when full: that is
// the backpressure), appends the result as the last column, and emits rows
// in input order (or as they complete, when unordered, but never across a
// watermark). Watermarks are held back until the rows before them left;
// PrepareBarrier and Close wait for every call in flight, so a checkpoint
// never loses rows that were in flight.
type asyncOp struct {
	cfg      *plan.AsyncConfig
	fn       *udf.Async
	env      udf.Env
	capacity int
	timeout  time.Duration
	reuse    time.Duration // how long calls share one deadline context

	caller udf.AsyncCaller
	args   []expr.Evaluator
	oc     *runtime.OpContext
	stats  *metrics.Operator
	slab   []types.Value // output rows are carved from here

	mu        sync.Mutex
	completed []*asyncEntry // filled by done callbacks
	spare     []*asyncEntry
	wake      chan struct{}

	queue    []*asyncEntry // rows and watermark markers, in arrival order
	inflight int
	shared   *sharedCtx
	logged   int
}

type asyncEntry struct {
	row    types.Row
	val    types.Value
	err    error
	done   bool // result handed to the operator goroutine
	called bool // done callback ran (guards against a second call)
	isWM   bool
	wm     int64
	sc     *sharedCtx
}

// sharedCtx is a deadline context shared by the calls started within a few
// milliseconds of each other: one timer instead of one per call.
type sharedCtx struct {
	ctx     context.Context
	cancel  context.CancelFunc
	created time.Time
	refs    int
	current bool
}

func newAsync(n *plan.Node, bc *BuildContext) (runtime.Operator, error) {
	cfg, ok := n.Config.(*plan.AsyncConfig)
	if !ok {
		return nil, fmt.Errorf("%w: AsyncCalc config is %T, want *plan.AsyncConfig", ErrBadPlan, n.Config)
	}
	fn, ok := bc.Options.Functions.Async(cfg.Function)
	if !ok {
		return nil, fmt.Errorf("%w: unknown async function %s", ErrBadPlan, cfg.Function)
	}
	settings := cfg.Settings
	if settings == nil {
		settings = bc.Options.Settings
	}
	a := &asyncOp{
		cfg: cfg, fn: fn, capacity: cfg.Capacity, timeout: cfg.Timeout,
		env:  udf.Env{JobID: bc.JobID, JobName: bc.JobName, Settings: settings, Logf: bc.Options.Logf, StateDir: functionStateDir(bc.Options.CheckpointDir, cfg.Function)},
		wake: make(chan struct{}, 1),
	}
	if a.capacity <= 0 {
		a.capacity = DefaultAsyncCapacity
	}
	a.reuse = min(a.timeout/10, 10*time.Millisecond)
	return a, nil
}

// functionStateDir is where an async function of a job keeps state of its
// own across restarts: beside the job's checkpoints.
func functionStateDir(checkpointDir, function string) string {
	if checkpointDir == "" {
		return ""
	}
	return filepath.Join(checkpointDir, "functions", strings.ToLower(function))
}

func (a *asyncOp) setStats(s *metrics.Operator) { a.stats = s }

func (a *asyncOp) HoldsWatermarks() {}

func (a *asyncOp) Open(ctx context.Context, oc *runtime.OpContext) error {
	a.oc = oc
	c, err := a.fn.New(a.env)
	if err != nil {
		return fmt.Errorf("function %s: %w", a.cfg.Function, err)
	}
	a.caller = c
	a.args = compileAll(a.cfg.Args)
	return nil
}

func (a *asyncOp) Process(ctx context.Context, _ int, b *runtime.Batch, out runtime.Emitter) error {
	nargs := len(a.args)
	entries := make([]asyncEntry, len(b.Rows))
	argVals := make([]types.Value, len(b.Rows)*nargs)
	now := time.Now()
next:
	for i, row := range b.Rows {
		e := &entries[i]
		e.row = row
		args := argVals[i*nargs : (i+1)*nargs : (i+1)*nargs]
		for k, ev := range a.args {
			v, err := ev(row)
			if err != nil {
				a.oc.DeadLetter(ctx, runtime.DeadLetterRecord{Source: a.oc.Operator, Value: rowJSON(row),
					Err: fmt.Errorf("%s argument %d: %w", a.cfg.Function, k+1, err)})
				continue next
			}
			args[k] = v
		}
		for a.inflight >= a.capacity {
			// take calls that already completed without blocking, so that
			// fast answers keep whole batches together; block only when
			// the capacity is really in use
			a.drain()
			if a.inflight < a.capacity {
				break
			}
			if err := a.waitOne(ctx, out); err != nil {
				return err
			}
			now = time.Now()
		}
		a.queue = append(a.queue, e)
		a.inflight++
		sc := a.callCtx(ctx, now)
		sc.refs++
		e.sc = sc
		a.caller.Call(sc.ctx, args, func(v types.Value, err error) { a.complete(e, v, err) })
	}
	a.drain()
	return a.emitReady(ctx, out)
}

func (a *asyncOp) callCtx(parent context.Context, now time.Time) *sharedCtx {
	if s := a.shared; s != nil && now.Sub(s.created) <= a.reuse {
		return s
	}
	if s := a.shared; s != nil {
		s.current = false
		if s.refs == 0 {
			s.cancel()
		}
	}
	s := &sharedCtx{created: now, current: true}
	if a.timeout > 0 {
		s.ctx, s.cancel = context.WithTimeout(parent, a.timeout)
	} else {
		s.ctx, s.cancel = context.WithCancel(parent)
	}
	a.shared = s
	return s
}

// complete is the done callback; it may run on any goroutine.
func (a *asyncOp) complete(e *asyncEntry, v types.Value, err error) {
	a.mu.Lock()
	if e.called {
		a.mu.Unlock()
		return
	}
	e.called = true
	e.val, e.err = v, err
	a.completed = append(a.completed, e)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// drain takes the completed calls into the queue's view.
func (a *asyncOp) drain() {
	a.mu.Lock()
	list := a.completed
	a.completed = a.spare[:0]
	a.mu.Unlock()
	for _, e := range list {
		e.done = true
		a.inflight--
		if s := e.sc; s != nil {
			s.refs--
			if s.refs == 0 && !s.current {
				s.cancel()
			}
			e.sc = nil
		}
		if e.err != nil {
			e.val = types.NullValue
			if a.stats != nil {
				a.stats.Errors.Add(1)
			}
			if a.logged < 5 && !errors.Is(e.err, udf.ErrReported) {
				a.logged++
				a.oc.Logf("warning: %s: %s call failed, row gets NULL: %v", a.oc.Operator, a.cfg.Function, e.err)
			}
		}
	}
	clear(list)
	a.spare = list
}

// waitOne blocks until at least one call completes, then emits what can go.
func (a *asyncOp) waitOne(ctx context.Context, out runtime.Emitter) error {
	select {
	case <-a.wake:
	case <-ctx.Done():
		return ctx.Err()
	}
	a.drain()
	return a.emitReady(ctx, out)
}

// emitReady emits the rows (and watermarks) that may leave now.
func (a *asyncOp) emitReady(ctx context.Context, out runtime.Emitter) error {
	var rows []types.Row
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := out.Emit(ctx, &runtime.Batch{Rows: rows})
		rows = nil
		return err
	}
	for len(a.queue) > 0 {
		// The segment before the first watermark marker.
		end := len(a.queue)
		for i, e := range a.queue {
			if e.isWM {
				end = i
				break
			}
		}
		keep := 0
		if a.cfg.Ordered {
			for keep < end && a.queue[keep].done {
				rows = append(rows, a.output(a.queue[keep]))
				keep++
			}
			if keep < end {
				a.queue = a.queue[keep:]
				break
			}
			a.queue = a.queue[end:]
		} else {
			for i := 0; i < end; i++ {
				if e := a.queue[i]; e.done {
					rows = append(rows, a.output(e))
				} else {
					a.queue[keep] = e
					keep++
				}
			}
			a.queue = append(a.queue[:keep], a.queue[end:]...)
			if keep > 0 {
				break
			}
		}
		if len(a.queue) == 0 {
			break
		}
		// Every row before the marker left: the watermark may follow.
		wm := a.queue[0].wm
		a.queue = a.queue[1:]
		if err := flush(); err != nil {
			return err
		}
		if err := out.(WatermarkEmitter).EmitWatermark(ctx, wm); err != nil {
			return err
		}
	}
	if len(a.queue) == 0 {
		a.queue = nil // let the backing array go
	}
	return flush()
}

// output builds the row leaving for e: its input row plus the result.
// Rows are carved from a slab, so that a batch costs one allocation, not
// one per row.
func (a *asyncOp) output(e *asyncEntry) types.Row {
	k := len(e.row) + 1
	if len(a.slab) < k {
		a.slab = make([]types.Value, max(k*256, 4096))
	}
	r := types.Row(a.slab[:k:k])
	a.slab = a.slab[k:]
	copy(r, e.row)
	r[k-1] = e.val
	e.row = nil
	return r
}

func (a *asyncOp) Watermark(ctx context.Context, wm int64, out runtime.Emitter) error {
	a.queue = append(a.queue, &asyncEntry{isWM: true, wm: wm})
	return a.emitReady(ctx, out)
}

// PrepareBarrier completes every call in flight and emits the results (and
// held watermarks) before the barrier passes.
func (a *asyncOp) PrepareBarrier(ctx context.Context, _ int64, out runtime.Emitter) error {
	return a.flushAll(ctx, out)
}

func (a *asyncOp) flushAll(ctx context.Context, out runtime.Emitter) error {
	a.drain()
	for a.inflight > 0 {
		if err := a.waitOne(ctx, out); err != nil {
			return err
		}
	}
	return a.emitReady(ctx, out)
}

func (a *asyncOp) Notify() <-chan struct{} { return a.wake }

func (a *asyncOp) OnNotify(ctx context.Context, out runtime.Emitter) error {
	a.drain()
	return a.emitReady(ctx, out)
}

func (a *asyncOp) Close(ctx context.Context, out runtime.Emitter) error {
	err := a.flushAll(ctx, out)
	a.abort()
	return err
}

func (a *asyncOp) abort() {
	if a.shared != nil {
		a.shared.cancel()
		a.shared = nil
	}
	if a.caller != nil {
		if err := a.caller.Close(); err != nil && a.oc != nil {
			a.oc.Logf("warning: %s: closing %s: %v", a.oc.Operator, a.cfg.Function, err)
		}
		a.caller = nil
	}
}

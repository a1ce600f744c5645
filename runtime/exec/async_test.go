package exec

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/checkpoint"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// fakeAsync answers "r<seq>" after a latency chosen per call; it honours
// the call's context (a deadline yields NULL and the context's error) and
// measures how many calls are in flight.
type fakeAsync struct {
	latency func(seq int64) time.Duration

	mu          sync.Mutex
	inflight    int
	maxInflight int
	calls       int
	closed      int
}

func (f *fakeAsync) Call(ctx context.Context, args []types.Value, done func(types.Value, error)) {
	seq := args[0].Int()
	f.mu.Lock()
	f.inflight++
	f.calls++
	f.maxInflight = max(f.maxInflight, f.inflight)
	f.mu.Unlock()
	finish := func(v types.Value, err error) {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
		done(v, err)
	}
	d := f.latency(seq)
	if d == 0 {
		finish(types.NewString(fmt.Sprintf("r%d", seq)), nil)
		return
	}
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			finish(types.NewString(fmt.Sprintf("r%d", seq)), nil)
		case <-ctx.Done():
			finish(types.NullValue, ctx.Err())
		}
	}()
}

func (f *fakeAsync) Close() error {
	f.mu.Lock()
	f.closed++
	f.mu.Unlock()
	return nil
}

func (e *env) async(t testing.TB, f *fakeAsync) *udf.Registry {
	reg := udf.Default.Clone()
	reg.AddAsync(udf.Async{Name: "FAKE", Bind: func([]udf.Arg) (types.Type, error) { return types.String, nil },
		New: func(env udf.Env) (udf.AsyncCaller, error) {
			if env.JobID == "" {
				t.Error("udf.Env without JobID")
			}
			return f, nil
		}})
	return reg
}

func asyncNode(id, input int, capacity int, timeout time.Duration, ordered bool) *plan.Node {
	return &plan.Node{ID: id, Kind: plan.KindAsync, Name: "fake", Inputs: []int{input},
		Schema: types.Schema{Columns: append(append([]types.Column(nil), genSchema.Columns...), types.Column{Name: "r", Type: types.String}), TimeAttr: 1},
		Config: &plan.AsyncConfig{Function: "fake", Args: []expr.Expr{col(0)}, Capacity: capacity, Timeout: timeout, Ordered: ordered}}
}

// wmCheck checks that a watermark never overtakes the rows before it: at
// watermark w every row with ts <= w must have arrived (the test sources
// emit rows in ts order on one partition).
type wmCheck struct {
	mu        sync.Mutex
	seen      map[int64]bool
	violation string
	wms       int
}

var wmChecks sync.Map

func init() {
	RegisterOperator("test.WMCheck", func(n *plan.Node, _ *BuildContext) (runtime.Operator, error) {
		c := &wmCheck{seen: map[int64]bool{}}
		wmChecks.Store(n.Name, c)
		return c, nil
	})
}

func (c *wmCheck) Open(context.Context, *runtime.OpContext) error { return nil }
func (c *wmCheck) Process(ctx context.Context, _ int, b *runtime.Batch, out runtime.Emitter) error {
	c.mu.Lock()
	for _, r := range b.Rows {
		c.seen[r[0].Int()] = true
	}
	c.mu.Unlock()
	return out.Emit(ctx, b)
}
func (c *wmCheck) Watermark(_ context.Context, wm int64, _ runtime.Emitter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wms++
	if wm == runtime.MaxWatermark {
		return nil
	}
	for s := int64(0); s*1000 <= wm; s++ {
		if !c.seen[s] && c.violation == "" {
			c.violation = fmt.Sprintf("watermark %d before row %d", wm, s)
		}
	}
	return nil
}
func (c *wmCheck) Close(context.Context, runtime.Emitter) error { return nil }

func TestAsyncOrderCapacityWatermarks(t *testing.T) {
	tests := []struct {
		name    string
		ordered bool
	}{{"ordered", true}, {"unordered", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv()
			const total = 2000
			e.gen("src", total, 50, 0)
			out := e.sink("out")
			f := &fakeAsync{latency: func(int64) time.Duration { return time.Duration(rand.IntN(3000)) * time.Microsecond }}
			opts := e.opts(t)
			opts.Functions = e.async(t, f)
			opts.WatermarkInterval = time.Microsecond
			checkName := t.Name()
			j, err := Start(context.Background(), graph(sourceNode(0, "src", true), asyncNode(1, 0, 8, time.Second, tt.ordered),
				&plan.Node{ID: 2, Kind: "test.WMCheck", Name: checkName, Inputs: []int{1}}, sinkNode(3, "out", 2)), opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := waitJob(t, j, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			rows := out.all()
			if len(rows) != total {
				t.Fatalf("rows = %d", len(rows))
			}
			inOrder := true
			got := map[int64]bool{}
			for i, r := range rows {
				if r[0].Int() != int64(i) {
					inOrder = false
				}
				if len(r) != 3 || r[2].Str() != fmt.Sprintf("r%d", r[0].Int()) {
					t.Fatalf("row %d = %v", i, r)
				}
				got[r[0].Int()] = true
			}
			if len(got) != total {
				t.Fatalf("distinct rows = %d", len(got))
			}
			if tt.ordered && !inOrder {
				t.Fatal("ordered mode changed the order")
			}
			if f.maxInflight > 8 || f.maxInflight < 2 {
				t.Fatalf("max in flight = %d, capacity 8", f.maxInflight)
			}
			if f.closed != 1 {
				t.Fatalf("caller closed %d times", f.closed)
			}
			c, _ := wmChecks.Load(checkName)
			wc := c.(*wmCheck)
			if wc.violation != "" || wc.wms < 2 {
				t.Fatalf("violation %q after %d watermarks", wc.violation, wc.wms)
			}
		})
	}
}

func TestAsyncThroughputIsCapacityOverLatency(t *testing.T) {
	e := newEnv()
	const total, capacity, latency = 1000, 50, 20 * time.Millisecond
	e.gen("src", total, 100, 0)
	out := e.sink("out")
	f := &fakeAsync{latency: func(int64) time.Duration { return latency }}
	opts := e.opts(t)
	opts.Functions = e.async(t, f)
	start := time.Now()
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false), asyncNode(1, 0, capacity, time.Second, true), sinkNode(2, "out", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJob(t, j, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	ideal := time.Duration(total/capacity) * latency
	t.Logf("%d rows in %s (ideal %s): %.0f rows/s", total, elapsed, ideal, float64(total)/elapsed.Seconds())
	if out.count() != total || elapsed < ideal || elapsed > 4*ideal {
		t.Fatalf("%d rows in %s; capacity/latency predicts %s", out.count(), elapsed, ideal)
	}
}

func TestAsyncTimeoutYieldsNull(t *testing.T) {
	e := newEnv()
	e.gen("src", 100, 10, 0)
	out := e.sink("out")
	f := &fakeAsync{latency: func(seq int64) time.Duration {
		if seq%10 == 3 {
			return 10 * time.Second
		}
		return time.Millisecond
	}}
	opts := e.opts(t)
	opts.Functions = e.async(t, f)
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false), asyncNode(1, 0, 20, 30*time.Millisecond, true), sinkNode(2, "out", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJob(t, j, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rows := out.all()
	if len(rows) != 100 {
		t.Fatalf("rows = %d", len(rows))
	}
	for i, r := range rows {
		if r[0].Int() != int64(i) {
			t.Fatalf("row %d is seq %d", i, r[0].Int())
		}
		if timedOut := i%10 == 3; timedOut != r[2].IsNull() {
			t.Fatalf("row %d: result %v", i, r[2])
		}
	}
	if errs := j.Status().Operators[1].Errors; errs != 10 {
		t.Fatalf("errors = %d, want 10", errs)
	}
}

func TestAsyncBarrierDrainsInFlight(t *testing.T) {
	e := newEnv()
	e.gen("src", 0, 20, time.Millisecond)
	out := e.sink("out")
	f := &fakeAsync{latency: func(int64) time.Duration { return time.Duration(5+rand.IntN(10)) * time.Millisecond }}
	dir := t.TempDir()
	opts := e.opts(t)
	opts.Functions = e.async(t, f)
	opts.CheckpointDir = dir
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false), asyncNode(1, 0, 20, time.Second, true), sinkNode(2, "out", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelWait(j)
	store := &checkpoint.Store{Dir: dir}
	for k := 0; k < 3; k++ {
		time.Sleep(25 * time.Millisecond)
		id, err := j.TriggerCheckpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		out.mu.Lock()
		flushed := out.flushes[k]
		out.mu.Unlock()
		// Every row the source had produced at the barrier reached the sink
		// before it: nothing was in flight inside the async operator.
		if string(m.Node(0).State) != fmt.Sprint(flushed) {
			t.Fatalf("checkpoint %d: source at %s, sink had %d rows at the barrier", id, m.Node(0).State, flushed)
		}
	}
}

func TestAsyncUnknownFunction(t *testing.T) {
	e := newEnv()
	e.gen("src", 1, 1, 0)
	e.sink("out")
	_, err := Start(context.Background(), graph(sourceNode(0, "src", false), asyncNode(1, 0, 1, 0, true), sinkNode(2, "out", 1)), e.opts(t))
	if !errors.Is(err, ErrBadPlan) {
		t.Fatalf("err = %v", err)
	}
}

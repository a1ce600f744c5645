package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/checkpoint"
	"github.com/chatsql/chatsql/runtime/types"
)

var errOdd = errors.New("fifty is not allowed")

func TestCalcFilterProjectDeadLetter(t *testing.T) {
	e := newEnv()
	e.gen("src", 100, 7, 0)
	out := e.sink("out")
	calc := &plan.Node{ID: 1, Kind: plan.KindCalc, Name: "calc", Inputs: []int{0}, Schema: genSchema,
		Config: &plan.CalcConfig{
			Filter: fn(func(r types.Row) (types.Value, error) { return types.NewBool(r[0].Int()%2 == 0), nil }),
			Project: []expr.Expr{
				fn(func(r types.Row) (types.Value, error) {
					if r[0].Int() == 50 {
						return types.Value{}, errOdd
					}
					return types.NewBigInt(r[0].Int() * 10), nil
				}),
				col(1),
			},
		}}
	var dead []runtime.DeadLetterRecord
	var mu sync.Mutex
	opts := e.opts(t)
	opts.DeadLetter = func(_ context.Context, r runtime.DeadLetterRecord) { mu.Lock(); dead = append(dead, r); mu.Unlock() }
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false), calc, sinkNode(2, "out", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJob(t, j, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rows := out.all()
	if len(rows) != 49 {
		t.Fatalf("rows = %d, want 49 (50 even minus the failing one)", len(rows))
	}
	for i, r := range rows {
		want := int64(i * 20)
		if i >= 25 {
			want += 20 // 500 was dead-lettered
		}
		if r[0].Int() != want {
			t.Fatalf("row %d = %d, want %d", i, r[0].Int(), want)
		}
	}
	if len(dead) != 1 || !errors.Is(dead[0].Err, errOdd) || !strings.Contains(string(dead[0].Value), "50") {
		t.Fatalf("dead letters = %+v", dead)
	}
	st := j.Status()
	if st.State != StateFinished || st.DeadLettered != 1 {
		t.Fatalf("status = %+v", st)
	}
	if st.Operators[1].RowsIn != 100 || st.Operators[1].RowsOut != 49 || st.Operators[2].RowsIn != 49 {
		t.Fatalf("operator figures = %+v", st.Operators)
	}
	if out.closed != 1 || len(out.flushes) == 0 {
		t.Fatalf("sink closed %d times, flushed %v", out.closed, out.flushes)
	}
	if _, ok := Get(j.ID()); !ok {
		t.Fatal("job not in registry")
	}
}

func TestBoundedEndMaxWatermarkThenClose(t *testing.T) {
	e := newEnv()
	e.gen("src", 1000, 100, 0)
	out := e.sink("out")
	p := newProbe(t.Name())
	j, err := Start(context.Background(), graph(sourceNode(0, "src", true), probeNode(1, t.Name(), 0), sinkNode(2, "out", 1)), e.opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJob(t, j, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	wms := p.wms()
	if len(wms) == 0 || wms[len(wms)-1] != runtime.MaxWatermark {
		t.Fatalf("watermarks = %v, want MaxWatermark last", wms)
	}
	for i := 1; i < len(wms); i++ {
		if wms[i] <= wms[i-1] {
			t.Fatalf("watermarks not increasing: %v", wms)
		}
	}
	if p.closes != 1 || out.count() != 1000 || out.closed != 1 {
		t.Fatalf("closes = %d, rows = %d, sink closed = %d", p.closes, out.count(), out.closed)
	}
	if st := j.Status(); st.Watermark != runtime.MaxWatermark {
		t.Fatalf("job watermark = %d", st.Watermark)
	}
}

func batchAt(part int32, tsMillis ...int64) *runtime.Batch {
	b := &runtime.Batch{Partition: part}
	for _, ts := range tsMillis {
		b.Rows = append(b.Rows, types.Row{types.NewBigInt(ts), types.NewTimestampLTZ(ts * 1000)})
	}
	return b
}

func TestWatermarkMinOverPartitionsAndIdle(t *testing.T) {
	e := newEnv()
	ch := make(chan *runtime.Batch)
	e.chans["src"] = ch
	e.sink("out")
	p := newProbe(t.Name())
	src := sourceNode(0, "src", true)
	src.Config.(*plan.SourceConfig).IdleTimeout = 150 * time.Millisecond
	opts := e.opts(t)
	opts.WatermarkInterval = time.Millisecond
	j, err := Start(context.Background(), graph(src, probeNode(1, t.Name(), 0), sinkNode(2, "out", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelWait(j)
	latest := func() int64 {
		w := p.wms()
		if len(w) == 0 {
			return runtime.MinWatermark
		}
		return w[len(w)-1]
	}
	ch <- batchAt(0, 1000)
	ch <- batchAt(1, 500)
	waitFor(t, "watermark 500", 2*time.Second, func() bool { return latest() == 500_000 })
	// Partition 0 moves on; partition 1 holds the minimum while active.
	ch <- batchAt(0, 2000)
	time.Sleep(50 * time.Millisecond)
	if got := latest(); got != 500_000 {
		t.Fatalf("watermark = %d while partition 1 is active, want 500000", got)
	}
	// Partition 1 goes idle: partition 0 alone decides.
	deadline := time.Now().Add(2 * time.Second)
	for ts := int64(3000); latest() < 3000_000; ts += 100 {
		if time.Now().After(deadline) {
			t.Fatalf("idle partition stalls the watermark at %d", latest())
		}
		ch <- batchAt(0, ts)
		time.Sleep(10 * time.Millisecond)
	}
	// Partition 1 rejoins behind: the watermark never goes back, and it
	// holds again until partition 1 catches up.
	before := latest()
	ch <- batchAt(1, 600)
	ch <- batchAt(0, 99000)
	time.Sleep(50 * time.Millisecond)
	if got := latest(); got != before {
		t.Fatalf("watermark moved to %d after partition 1 rejoined at 600 ms (was %d)", got, before)
	}
	ch <- batchAt(1, 99000)
	waitFor(t, "watermark 99000", 2*time.Second, func() bool { return latest() == 99000_000 })
	for i, w := 1, p.wms(); i < len(w); i++ {
		if w[i] < w[i-1] {
			t.Fatalf("watermark went back: %v", w)
		}
	}
}

func TestBackpressureBoundsInFlightRows(t *testing.T) {
	e := newEnv()
	e.gen("src", 0, 10, 0)
	out := e.sink("out")
	out.delay = 2 * time.Millisecond
	opts := e.opts(t)
	opts.ChannelCapacity = 2
	opts.BatchSize = 10
	newProbe(t.Name())
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false), probeNode(1, t.Name(), 0), sinkNode(2, "out", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelWait(j)
	for i := 0; i < 20; i++ {
		time.Sleep(10 * time.Millisecond)
		st := j.Status()
		produced, consumed := st.Operators[0].RowsOut, st.Operators[2].RowsIn
		// Two channels of 2 batches, one batch in each of the three
		// goroutines' hands, and the counters are read one after the other.
		if bound := int64(8 * 10); produced-consumed > bound {
			t.Fatalf("source is %d rows ahead of the slow sink, bound %d", produced-consumed, bound)
		}
	}
	if out.count() == 0 {
		t.Fatal("sink got nothing")
	}
}

func TestBarrierAlignmentTwoInputs(t *testing.T) {
	e := newEnv()
	e.gen("fast", 0, 50, time.Millisecond)
	e.gen("slow", 0, 3, 5*time.Millisecond)
	e.sink("out")
	p := newProbe(t.Name())
	dir := t.TempDir()
	opts := e.opts(t)
	opts.CheckpointDir = dir
	j, err := Start(context.Background(), graph(sourceNode(0, "fast", false), sourceNode(1, "slow", false),
		probeNode(2, t.Name(), 0, 1), sinkNode(3, "out", 2)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelWait(j)
	store := &checkpoint.Store{Dir: dir}
	for i := 0; i < 3; i++ {
		time.Sleep(30 * time.Millisecond)
		id, err := j.TriggerCheckpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		// The union's counts at the barrier equal the sources' positions
		// at the barrier: nothing after a barrier got in before alignment.
		want := fmt.Sprintf("[%s,%s]", m.Node(0).State, m.Node(1).State)
		if got := string(m.Node(2).State); got != want {
			t.Fatalf("checkpoint %d: union state %s, source positions %s", id, got, want)
		}
	}
	_ = p
}

func TestCheckpointRestoreAtLeastOnce(t *testing.T) {
	e := newEnv()
	const total = 3000
	log := e.gen("src", total, 20, 2*time.Millisecond)
	out := e.sink("out")
	dir := t.TempDir()
	opts := e.opts(t)
	opts.CheckpointDir = dir
	opts.CheckpointInterval = 20 * time.Millisecond
	g := func() *plan.Graph { return graph(sourceNode(0, "src", false), sinkNode(1, "out", 0)) }
	j1, err := Start(context.Background(), g(), opts)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two checkpoints", 5*time.Second, func() bool { return j1.Status().CheckpointsCompleted >= 2 })
	time.Sleep(15 * time.Millisecond)
	j1.Cancel() // a kill: no final checkpoint
	if err := waitJob(t, j1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := j1.Status(); st.State != StateCanceled {
		t.Fatalf("state = %s", st.State)
	}
	seen := out.count()
	if seen >= total {
		t.Fatalf("job 1 finished before the kill (%d rows); slow the source down", seen)
	}

	e.gens["src"].sleep = 0
	j2, err := Start(context.Background(), g(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJob(t, j2, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	restart := log.firstStart(1)
	if restart == 0 || restart > int64(seen) {
		t.Fatalf("job 2 started at %d; job 1 delivered %d rows and checkpointed", restart, seen)
	}
	got := seqs(out.all())
	for s := int64(0); s < total; s++ {
		if got[s] == 0 {
			t.Fatalf("record %d lost", s)
		}
	}
	id, err := j2.TriggerCheckpoint(context.Background())
	if !errors.Is(err, ErrJobEnded) {
		t.Fatalf("TriggerCheckpoint after end = %d, %v", id, err)
	}
}

func TestCorruptCheckpointSkipped(t *testing.T) {
	e := newEnv()
	log := e.gen("src", 0, 10, time.Millisecond)
	e.sink("out")
	dir := t.TempDir()
	var logs []string
	var mu sync.Mutex
	opts := e.opts(t)
	opts.CheckpointDir = dir
	opts.Logf = func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }
	g := graph(sourceNode(0, "src", false), sinkNode(1, "out", 0))
	j1, err := Start(context.Background(), g, opts)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	id1, err := j1.TriggerCheckpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	id2, err := j1.TriggerCheckpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	j1.Cancel()
	j1.Wait()
	store := &checkpoint.Store{Dir: dir}
	m1, _ := store.Read(id1)
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("chk-%d", id2)), []byte("chatsql-checkpoint 1 00000000 3\n{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	j2, err := Start(context.Background(), g, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelWait(j2)
	waitFor(t, "job 2 opened", 2*time.Second, func() bool { log.mu.Lock(); defer log.mu.Unlock(); return len(log.starts) == 2 })
	if got := fmt.Sprint(log.firstStart(1)); got != string(m1.Node(0).State) {
		t.Fatalf("job 2 started at %s, want checkpoint %d's %s", got, id1, m1.Node(0).State)
	}
	id3, err := j2.TriggerCheckpoint(context.Background())
	if err != nil || id3 <= id2 {
		t.Fatalf("next id = %d (%v), want > %d", id3, err, id2)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(strings.Join(logs, "\n"), fmt.Sprintf("skipping checkpoint %d", id2)) {
		t.Fatalf("no warning about the corrupt checkpoint in %q", logs)
	}
}

func TestPanicBecomesJobError(t *testing.T) {
	e := newEnv()
	e.gen("src", 0, 10, time.Millisecond)
	out := e.sink("out")
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false),
		&plan.Node{ID: 1, Kind: "test.Panic", Name: "bug", Inputs: []int{0}, Schema: genSchema}, sinkNode(2, "out", 1)), e.opts(t))
	if err != nil {
		t.Fatal(err)
	}
	err = waitJob(t, j, 5*time.Second)
	var oe *OperatorError
	if !errors.Is(err, ErrPanic) || !errors.As(err, &oe) {
		t.Fatalf("err = %v, want an OperatorError wrapping ErrPanic", err)
	}
	if oe.Operator != "1:test.Panic:bug" || !strings.Contains(string(oe.Stack), "panicOp") {
		t.Fatalf("operator %q, stack:\n%s", oe.Operator, oe.Stack)
	}
	if st := j.Status(); st.State != StateFailed || st.Err == nil {
		t.Fatalf("status = %s %v", st.State, st.Err)
	}
	if e.logs["src"].closed != 1 || out.closed != 1 {
		t.Fatalf("source closed %d, sink closed %d; want both closed once", e.logs["src"].closed, out.closed)
	}
}

func TestGracefulStopTakesFinalCheckpoint(t *testing.T) {
	e := newEnv()
	log := e.gen("src", 0, 10, time.Millisecond)
	out := e.sink("out")
	p := newProbe(t.Name())
	dir := t.TempDir()
	opts := e.opts(t)
	opts.CheckpointDir = dir
	g := func() *plan.Graph {
		return graph(sourceNode(0, "src", true), probeNode(1, t.Name(), 0), sinkNode(2, "out", 1))
	}
	j, err := Start(context.Background(), g(), opts)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rows", 2*time.Second, func() bool { return out.count() > 50 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := j.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	st := j.Status()
	if st.State != StateStopped || st.LastCheckpoint == nil {
		t.Fatalf("status %s, last checkpoint %v", st.State, st.LastCheckpoint)
	}
	m, err := (&checkpoint.Store{Dir: dir}).Read(st.LastCheckpoint.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := out.count()
	if string(m.Node(0).State) != fmt.Sprint(n) {
		t.Fatalf("final checkpoint position %s, sink has %d rows", m.Node(0).State, n)
	}
	if len(out.completes) == 0 || out.completes[len(out.completes)-1] != st.LastCheckpoint.ID || out.closed != 1 {
		t.Fatalf("sink completes %v closed %d", out.completes, out.closed)
	}
	for _, w := range p.wms() {
		if w == runtime.MaxWatermark {
			t.Fatal("a stopped unbounded job must not emit MaxWatermark")
		}
	}
	if p.closes != 1 {
		t.Fatalf("probe closed %d times", p.closes)
	}
	// A restart resumes exactly where the stop left off.
	j2, err := Start(context.Background(), g(), opts)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "restart", 2*time.Second, func() bool { log.mu.Lock(); defer log.mu.Unlock(); return len(log.starts) == 2 })
	j2.Cancel()
	j2.Wait()
	if log.firstStart(1) != int64(n) {
		t.Fatalf("restart at %d, want %d", log.firstStart(1), n)
	}
}

func TestCollectLimitEndsJob(t *testing.T) {
	e := newEnv()
	e.gen("src", 0, 7, 0)
	var got []types.Row
	opts := e.opts(t)
	opts.Collect = func(_ context.Context, rows []types.Row) error { got = append(got, rows...); return nil }
	j, err := Start(context.Background(), graph(sourceNode(0, "src", false),
		&plan.Node{ID: 1, Kind: plan.KindCollect, Name: "select", Inputs: []int{0}, Schema: genSchema, Config: &plan.CollectConfig{Limit: 25}}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJob(t, j, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 || j.Status().State != StateFinished {
		t.Fatalf("rows %d, state %s", len(got), j.Status().State)
	}
}

func TestStartRejectsBadPlans(t *testing.T) {
	e := newEnv()
	e.gen("src", 1, 1, 0)
	tests := []struct {
		name string
		g    *plan.Graph
	}{
		{"empty", graph()},
		{"forward edge", graph(sourceNode(0, "src", false), &plan.Node{ID: 1, Kind: plan.KindCalc, Inputs: []int{5}, Config: &plan.CalcConfig{}})},
		{"unknown kind", graph(sourceNode(0, "src", false), &plan.Node{ID: 1, Kind: "Nope", Inputs: []int{0}})},
		{"wrong config", graph(sourceNode(0, "src", false), &plan.Node{ID: 1, Kind: plan.KindCalc, Inputs: []int{0}, Config: 3})},
		{"collect without callback", graph(sourceNode(0, "src", false), &plan.Node{ID: 1, Kind: plan.KindCollect, Inputs: []int{0}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Start(context.Background(), tt.g, e.opts(t)); !errors.Is(err, ErrBadPlan) {
				t.Fatalf("err = %v, want ErrBadPlan", err)
			}
		})
	}
}

package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// fnExpr is a test expression over a Go function.
type fnExpr struct {
	t types.Type
	s string
	f func(types.Row) (types.Value, error)
}

func (e fnExpr) Type() types.Type        { return e.t }
func (e fnExpr) String() string          { return e.s }
func (e fnExpr) Compile() expr.Evaluator { return e.f }
func col(i int) expr.Expr {
	return fnExpr{types.BigInt, fmt.Sprintf("$%d", i), func(r types.Row) (types.Value, error) { return r[i], nil }}
}
func fn(f func(types.Row) (types.Value, error)) expr.Expr { return fnExpr{types.BigInt, "fn", f} }

var genSchema = types.Schema{Columns: []types.Column{{Name: "seq", Type: types.BigInt}, {Name: "ts", Type: types.TimestampLTZ}}, TimeAttr: 1}

// genSource emits rows (seq, ts = seq ms) from its position on; bounded when
// total > 0. Its snapshot is its position.
type genSource struct {
	total int64
	per   int
	sleep time.Duration
	pos   int64
	log   *genLog
}

// genLog records what the sources of a test did, across jobs.
type genLog struct {
	mu     sync.Mutex
	starts []int64 // position at each Open
	closed int
}

func (g *genLog) firstStart(i int) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.starts[i]
}

func (s *genSource) Open(ctx context.Context, sc *runtime.SourceContext, state []byte) error {
	if state != nil {
		p, err := strconv.ParseInt(string(state), 10, 64)
		if err != nil {
			return err
		}
		s.pos = p
	}
	s.log.mu.Lock()
	s.log.starts = append(s.log.starts, s.pos)
	s.log.mu.Unlock()
	return nil
}

func (s *genSource) Poll(ctx context.Context) (*runtime.Batch, error) {
	if s.total > 0 && s.pos >= s.total {
		return nil, runtime.ErrEndOfInput
	}
	if s.sleep > 0 {
		time.Sleep(s.sleep)
	}
	n := int64(s.per)
	if s.total > 0 {
		n = min(n, s.total-s.pos)
	}
	rows := make([]types.Row, n)
	for i := range rows {
		seq := s.pos + int64(i)
		rows[i] = types.Row{types.NewBigInt(seq), types.NewTimestampLTZ(seq * 1000)}
	}
	s.pos += n
	return &runtime.Batch{Rows: rows}, nil
}

func (s *genSource) Snapshot(context.Context) ([]byte, error) {
	return []byte(strconv.FormatInt(s.pos, 10)), nil
}

func (s *genSource) Close() error {
	s.log.mu.Lock()
	s.log.closed++
	s.log.mu.Unlock()
	return nil
}

// chanSource emits the batches a test sends; closing the channel ends it.
type chanSource struct{ ch chan *runtime.Batch }

func (s *chanSource) Open(_ context.Context, sc *runtime.SourceContext, _ []byte) error {
	sc.Partitions([]int32{0, 1}) // as a Kafka source does on assignment
	return nil
}
func (s *chanSource) Poll(ctx context.Context) (*runtime.Batch, error) {
	select {
	case b, ok := <-s.ch:
		if !ok {
			return nil, runtime.ErrEndOfInput
		}
		return b, nil
	case <-time.After(5 * time.Millisecond):
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
func (s *chanSource) Snapshot(context.Context) ([]byte, error) { return nil, nil }
func (s *chanSource) Close() error                             { return nil }

// memSink keeps what it was given, across jobs of one test.
type memSink struct {
	mu        sync.Mutex
	rows      []types.Row
	flushes   []int // rows written at each Flush
	completes []int64
	closed    int
	delay     time.Duration
	ctx       context.Context // for tests that watch writes
}

func (m *memSink) all() []types.Row {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]types.Row(nil), m.rows...)
}

func (m *memSink) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows)
}

type memSinkHandle struct{ m *memSink }

func (h *memSinkHandle) Open(context.Context, *runtime.OpContext, []byte) error { return nil }
func (h *memSinkHandle) Write(ctx context.Context, b *runtime.Batch) error {
	if h.m.delay > 0 {
		time.Sleep(h.m.delay)
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	h.m.rows = append(h.m.rows, b.Rows...)
	return nil
}
func (h *memSinkHandle) Flush(context.Context) error {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	h.m.flushes = append(h.m.flushes, len(h.m.rows))
	return nil
}
func (h *memSinkHandle) CheckpointComplete(_ context.Context, id int64) error {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	h.m.completes = append(h.m.completes, id)
	return nil
}
func (h *memSinkHandle) Close() error {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	h.m.closed++
	return nil
}

// env is one test's registries and fixtures.
type env struct {
	reg   *connectors.Registry
	gens  map[string]*genSource // template per source name
	logs  map[string]*genLog
	chans map[string]chan *runtime.Batch
	sinks map[string]*memSink
	mu    sync.Mutex
}

func newEnv() *env {
	e := &env{reg: connectors.Default.Clone(), gens: map[string]*genSource{}, logs: map[string]*genLog{},
		chans: map[string]chan *runtime.Batch{}, sinks: map[string]*memSink{}}
	e.reg.MustRegister(connectors.Connector{
		Spec: connectors.Spec{Name: "test-gen", Source: true},
		NewSource: func(cfg connectors.Config) (runtime.Source, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if ch, ok := e.chans[cfg.Name]; ok {
				return &chanSource{ch: ch}, nil
			}
			t := e.gens[cfg.Name]
			if t == nil {
				return nil, errors.New("no such test source " + cfg.Name)
			}
			s := *t
			return &s, nil
		},
	})
	e.reg.MustRegister(connectors.Connector{
		Spec: connectors.Spec{Name: "test-mem", Sink: true},
		NewSink: func(cfg connectors.Config) (runtime.Sink, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			return &memSinkHandle{m: e.sinks[cfg.Name]}, nil
		},
	})
	return e
}

func (e *env) gen(name string, total int64, per int, sleep time.Duration) *genLog {
	l := &genLog{}
	e.gens[name] = &genSource{total: total, per: per, sleep: sleep, log: l}
	e.logs[name] = l
	return l
}

func (e *env) sink(name string) *memSink {
	m := &memSink{}
	e.sinks[name] = m
	return m
}

func (e *env) opts(t testing.TB) Options {
	return Options{Name: t.Name(), Connectors: e.reg, Logf: t.Logf, CheckpointInterval: -1}
}

// Plan builders.
func sourceNode(id int, name string, wm bool) *plan.Node {
	cfg := &plan.SourceConfig{Connector: "test-gen", Conn: connectors.Config{Name: name}, TimeAttr: 1}
	if wm {
		cfg.Watermark = fnExpr{types.TimestampLTZ, "ts", func(r types.Row) (types.Value, error) { return r[1], nil }}
	}
	return &plan.Node{ID: id, Kind: plan.KindSource, Name: name, Schema: genSchema, Config: cfg}
}

func sinkNode(id int, name string, input int) *plan.Node {
	return &plan.Node{ID: id, Kind: plan.KindSink, Name: name, Inputs: []int{input}, Schema: genSchema,
		Config: &plan.SinkConfig{Connector: "test-mem", Conn: connectors.Config{Name: name}}}
}

func graph(nodes ...*plan.Node) *plan.Graph { return &plan.Graph{Nodes: nodes} }

// probe is a pass-through test operator that records watermarks, barriers
// and Close, registered as kind "test.Probe" and found by node name.
type probe struct {
	mu         sync.Mutex
	watermarks []int64
	closes     int
	counts     []int64 // rows per input
	snapshots  []string
	wmCh       chan int64
}

var probes sync.Map // node name -> *probe

func newProbe(name string) *probe {
	p := &probe{wmCh: make(chan int64, 1024)}
	probes.Store(name, p)
	return p
}

func (p *probe) wms() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int64(nil), p.watermarks...)
}

type probeOp struct{ p *probe }

func (o *probeOp) Open(context.Context, *runtime.OpContext) error { return nil }
func (o *probeOp) Process(ctx context.Context, in int, b *runtime.Batch, out runtime.Emitter) error {
	o.p.mu.Lock()
	for len(o.p.counts) <= in {
		o.p.counts = append(o.p.counts, 0)
	}
	o.p.counts[in] += int64(len(b.Rows))
	o.p.mu.Unlock()
	return out.Emit(ctx, b)
}
func (o *probeOp) Watermark(ctx context.Context, wm int64, out runtime.Emitter) error {
	o.p.mu.Lock()
	o.p.watermarks = append(o.p.watermarks, wm)
	o.p.mu.Unlock()
	select {
	case o.p.wmCh <- wm:
	default:
	}
	return nil
}
func (o *probeOp) Close(context.Context, runtime.Emitter) error {
	o.p.mu.Lock()
	o.p.closes++
	o.p.mu.Unlock()
	return nil
}
func (o *probeOp) Snapshot(context.Context, int64) ([]byte, error) {
	o.p.mu.Lock()
	defer o.p.mu.Unlock()
	b, err := json.Marshal(o.p.counts)
	o.p.snapshots = append(o.p.snapshots, string(b))
	return b, err
}
func (o *probeOp) Restore(context.Context, []byte) error { return nil }

func init() {
	RegisterOperator("test.Probe", func(n *plan.Node, _ *BuildContext) (runtime.Operator, error) {
		p, ok := probes.Load(n.Name)
		if !ok {
			return nil, errors.New("no probe " + n.Name)
		}
		return &probeOp{p: p.(*probe)}, nil
	})
	RegisterOperator("test.Panic", func(n *plan.Node, _ *BuildContext) (runtime.Operator, error) {
		return &panicOp{}, nil
	})
}

func probeNode(id int, name string, inputs ...int) *plan.Node {
	return &plan.Node{ID: id, Kind: "test.Probe", Name: name, Inputs: inputs, Schema: genSchema}
}

type panicOp struct{ n int }

func (o *panicOp) Open(context.Context, *runtime.OpContext) error { return nil }
func (o *panicOp) Process(ctx context.Context, _ int, b *runtime.Batch, out runtime.Emitter) error {
	o.n += len(b.Rows)
	if o.n > 20 {
		var m map[string]int
		m["boom"]++ // a nil-map write: a real bug, not a deliberate panic call
	}
	return out.Emit(ctx, b)
}
func (o *panicOp) Watermark(context.Context, int64, runtime.Emitter) error { return nil }
func (o *panicOp) Close(context.Context, runtime.Emitter) error            { return nil }

func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitJob(t testing.TB, j *Job, d time.Duration) error {
	t.Helper()
	select {
	case <-j.Done():
		return j.Wait()
	case <-time.After(d):
		j.Cancel()
		t.Fatalf("job %s did not end within %s", j.Name(), d)
		return nil
	}
}

func seqs(rows []types.Row) map[int64]int {
	out := map[int64]int{}
	for _, r := range rows {
		out[r[0].Int()]++
	}
	return out
}

// cancelWait ends a job and waits, so that nothing logs after the test.
func cancelWait(j *Job) {
	j.Cancel()
	<-j.Done()
}

package exec

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// clSource emits the batches a test sends and calls CaughtUp when told
// (a nil batch); closing the channel ends it.
type clSource struct {
	ch chan *runtime.Batch
	sc *runtime.SourceContext
}

func (s *clSource) Open(_ context.Context, sc *runtime.SourceContext, _ []byte) error {
	s.sc = sc
	return nil
}
func (s *clSource) Poll(ctx context.Context) (*runtime.Batch, error) {
	select {
	case b, ok := <-s.ch:
		if !ok {
			return nil, runtime.ErrEndOfInput
		}
		if b == nil {
			if s.sc.CaughtUp != nil {
				s.sc.CaughtUp()
			}
			return nil, nil
		}
		return b, nil
	case <-time.After(2 * time.Millisecond):
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
func (s *clSource) Snapshot(context.Context) ([]byte, error) { return nil, nil }
func (s *clSource) Close() error                             { return nil }

func registerCL(e *env, chans map[string]chan *runtime.Batch) {
	e.reg.MustRegister(connectors.Connector{
		Spec: connectors.Spec{Name: "test-cl", Source: true},
		NewSource: func(cfg connectors.Config) (runtime.Source, error) {
			return &clSource{ch: chans[cfg.Name]}, nil
		},
	})
}

// TestLookupJobEventTimeJoin runs source → Lookup ← changelog source in a
// job: stream rows wait until the table source says it caught up, the idle
// table topic does not stall the join afterwards, the changelog source's
// own watermark expression is ignored, and a projection error on a delete
// row gives NULL instead of a dead letter.
func TestLookupJobEventTimeJoin(t *testing.T) {
	e := newEnv()
	chans := map[string]chan *runtime.Batch{"orders": make(chan *runtime.Batch, 8), "rates": make(chan *runtime.Batch, 8)}
	registerCL(e, chans)
	out := e.sink("out")
	ordersSchema := types.Schema{Columns: ordersJoinSchema.Columns[:3], TimeAttr: 2}
	orders := &plan.Node{ID: 0, Kind: plan.KindSource, Name: "orders", Schema: ordersSchema,
		Config: &plan.SourceConfig{Connector: "test-cl", Conn: connectors.Config{Name: "orders"}, TimeAttr: 2, Watermark: tcol(2, types.TimestampLTZ)}}
	spec := ratesSpec()
	clSchema := types.NewSchema(append(append([]types.Column{}, spec.Schema.Columns...),
		types.Column{Name: "op", Type: types.Int}, types.Column{Name: "rtime", Type: types.TimestampLTZ})...)
	strict := fn(func(r types.Row) (types.Value, error) { // fails on a NULL rate: as a non-null cast would
		if r[1].IsNull() {
			return types.Value{}, errors.New("rate is NULL")
		}
		return r[1], nil
	})
	rates := &plan.Node{ID: 1, Kind: plan.KindSource, Name: "rates", Schema: clSchema,
		Config: &plan.SourceConfig{Connector: "test-cl", Conn: connectors.Config{Name: "rates"}, TimeAttr: -1, Changelog: true,
			Watermark: tcol(2, types.TimestampLTZ), // must be ignored
			Project:   []expr.Expr{tcol(0, types.String), strict, tcol(2, types.TimestampLTZ), tcol(3, types.Int), tcol(4, types.TimestampLTZ)}}}
	lk := &plan.Node{ID: 2, Kind: plan.KindLookup, Name: "lk", Inputs: []int{0, 1}, Schema: ordersJoinSchema,
		Config: &plan.LookupConfig{Table: spec, Mode: plan.LookupJoin, EventTime: tcol(2, types.TimestampLTZ),
			LeftKeys: []expr.Expr{tcol(1, types.String)}, TableKeys: []int{0}, Correlated: true}}
	sink := &plan.Node{ID: 3, Kind: plan.KindSink, Name: "out", Inputs: []int{2}, Schema: ordersJoinSchema,
		Config: &plan.SinkConfig{Connector: "test-mem", Conn: connectors.Config{Name: "out"}}}
	opts := e.opts(t)
	opts.WatermarkInterval = time.Millisecond
	var mu sync.Mutex
	var dead []runtime.DeadLetterRecord
	opts.DeadLetter = func(_ context.Context, r runtime.DeadLetterRecord) { mu.Lock(); dead = append(dead, r); mu.Unlock() }
	j, err := Start(context.Background(), graph(orders, rates, lk, sink), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelWait(j)
	chans["orders"] <- &runtime.Batch{Rows: []types.Row{order(1, "EUR", 2000), order(9, "USD", 2500)}}
	chans["orders"] <- &runtime.Batch{Rows: []types.Row{order(2, "EUR", 3000)}}
	chans["rates"] <- &runtime.Batch{Rows: []types.Row{up(s("EUR"), i64(114), ms(1000)), up(s("EUR"), i64(116), ms(5000)),
		up(s("USD"), i64(100), ms(0)), del(s("USD"), nul, nul)}}
	time.Sleep(50 * time.Millisecond)
	if n := out.count(); n != 0 {
		t.Fatalf("%d rows before the table was loaded", n)
	}
	chans["rates"] <- nil // caught up
	waitFor(t, "rows held until loaded, then released by the stream's watermark", 5*time.Second, func() bool { return out.count() == 2 })
	// the table topic stays idle: the stream's watermark alone moves on
	chans["orders"] <- &runtime.Batch{Rows: []types.Row{order(3, "EUR", 6000), order(4, "EUR", 7000)}}
	waitFor(t, "join after loading with an idle table", 5*time.Second, func() bool { return out.count() == 4 })
	close(chans["orders"])
	close(chans["rates"])
	if err := waitJob(t, j, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	h := &lkHarness{out: &lkCollector{rows: out.all()}}
	wantRows(t, h.take(),
		"1,EUR,1970-01-01 00:00:02.000Z,EUR,114,1970-01-01 00:00:01.000Z",
		"2,EUR,1970-01-01 00:00:03.000Z,EUR,114,1970-01-01 00:00:01.000Z",
		"3,EUR,1970-01-01 00:00:06.000Z,EUR,116,1970-01-01 00:00:05.000Z",
		"4,EUR,1970-01-01 00:00:07.000Z,EUR,116,1970-01-01 00:00:05.000Z")
	mu.Lock()
	defer mu.Unlock()
	if len(dead) != 0 {
		t.Fatalf("dead letters: %+v", dead)
	}
	for _, op := range j.Status().Operators {
		if op.Name == "rates" && op.Watermark != runtime.MaxWatermark {
			t.Fatalf("changelog source watermark %d, want only MaxWatermark", op.Watermark)
		}
	}
}

package exec

import (
	"context"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// benchSource emits total rows in batches of one reused slice, so the
// benchmark measures the engine, not the source.
type benchSource struct {
	rows  []types.Row
	left  int
	total int
}

func (s *benchSource) Open(context.Context, *runtime.SourceContext, []byte) error { return nil }
func (s *benchSource) Poll(context.Context) (*runtime.Batch, error) {
	if s.left <= 0 {
		return nil, runtime.ErrEndOfInput
	}
	n := min(len(s.rows), s.left)
	s.left -= n
	return &runtime.Batch{Rows: s.rows[:n]}, nil
}
func (s *benchSource) Snapshot(context.Context) ([]byte, error) { return nil, nil }
func (s *benchSource) Close() error                             { return nil }

type discardSink struct{ n int }

func (d *discardSink) Open(context.Context, *runtime.OpContext, []byte) error { return nil }
func (d *discardSink) Write(_ context.Context, b *runtime.Batch) error {
	d.n += len(b.Rows)
	return nil
}
func (d *discardSink) Flush(context.Context) error { return nil }
func (d *discardSink) Close() error                { return nil }

func benchRegistry(total int) *connectors.Registry {
	reg := connectors.Default.Clone()
	rows := make([]types.Row, 512)
	for i := range rows {
		rows[i] = types.Row{types.NewBigInt(int64(i)), types.NewTimestampLTZ(int64(i) * 1000)}
	}
	reg.MustRegister(connectors.Connector{Spec: connectors.Spec{Name: "test-gen", Source: true},
		NewSource: func(connectors.Config) (runtime.Source, error) { return &benchSource{rows: rows, left: total}, nil }})
	reg.MustRegister(connectors.Connector{Spec: connectors.Spec{Name: "test-mem", Sink: true},
		NewSink: func(connectors.Config) (runtime.Sink, error) { return &discardSink{}, nil }})
	return reg
}

func runBench(b *testing.B, mid func() *plan.Node, opts Options) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	opts.Name, opts.Logf, opts.CheckpointInterval = "bench", func(string, ...any) {}, -1
	opts.Connectors = benchRegistry(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	j, err := Start(context.Background(), graph(sourceNode(0, "src", true), mid(), sinkNode(2, "out", 1)), opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Wait(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkChannelPath: source -> calc (filter + 2-column projection) ->
// sink on one core.
func BenchmarkChannelPath(b *testing.B) {
	runBench(b, func() *plan.Node {
		return &plan.Node{ID: 1, Kind: plan.KindCalc, Name: "calc", Inputs: []int{0}, Schema: genSchema,
			Config: &plan.CalcConfig{
				Filter:  fn(func(r types.Row) (types.Value, error) { return types.NewBool(r[0].Int() >= 0), nil }),
				Project: []expr.Expr{fn(func(r types.Row) (types.Value, error) { return types.NewBigInt(r[0].Int() + 1), nil }), col(1)},
			}}
	}, Options{})
}

// BenchmarkAsyncPath: source -> async (answered at once) -> sink on one core.
func BenchmarkAsyncPath(b *testing.B) {
	e := newEnv()
	f := &fakeAsync{latency: func(int64) time.Duration { return 0 }}
	runBench(b, func() *plan.Node { return asyncNode(1, 0, 100, time.Second, true) }, Options{Functions: e.async(b, f)})
}

package exec

import (
	"context"
	"fmt"

	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
)

// sinkSnapshotter is implemented by sinks that keep state across restarts
// (e.g. a pending transaction); the state comes back in Sink.Open.
type sinkSnapshotter interface {
	Snapshot(ctx context.Context, checkpointID int64) ([]byte, error)
}

// sinkOp runs a runtime.Sink as an operator: Write per batch, Flush on every
// barrier (then the barrier is acked), CheckpointComplete forwarded, Flush
// and Close at the end; Close without Flush when the job is cancelled.
type sinkOp struct {
	sink   runtime.Sink
	opened bool
	done   bool
}

func newSink(n *plan.Node, bc *BuildContext) (runtime.Operator, error) {
	cfg, ok := n.Config.(*plan.SinkConfig)
	if !ok {
		return nil, fmt.Errorf("%w: Sink config is %T, want *plan.SinkConfig", ErrBadPlan, n.Config)
	}
	c, err := bc.Options.Connectors.Lookup(cfg.Connector)
	if err != nil {
		return nil, err
	}
	if c.NewSink == nil {
		return nil, fmt.Errorf("%w: connector %s cannot be written to", ErrBadPlan, cfg.Connector)
	}
	conn := cfg.Conn
	if conn.Settings == nil {
		conn.Settings = bc.Options.Settings
	}
	s, err := c.NewSink(conn)
	if err != nil {
		return nil, fmt.Errorf("sink %s: %w", cfg.Connector, err)
	}
	return &sinkOp{sink: s}, nil
}

func (s *sinkOp) Open(ctx context.Context, oc *runtime.OpContext) error {
	return s.openWithState(ctx, oc, nil)
}

func (s *sinkOp) openWithState(ctx context.Context, oc *runtime.OpContext, state []byte) error {
	if err := s.sink.Open(ctx, oc, state); err != nil {
		return err
	}
	s.opened = true
	return nil
}

func (s *sinkOp) Process(ctx context.Context, _ int, b *runtime.Batch, _ runtime.Emitter) error {
	return s.sink.Write(ctx, b)
}

func (s *sinkOp) Watermark(context.Context, int64, runtime.Emitter) error { return nil }

func (s *sinkOp) PrepareBarrier(ctx context.Context, id int64, _ runtime.Emitter) error {
	return s.sink.Flush(ctx)
}

// Snapshot is called only when the sink keeps state; otherwise nil.
func (s *sinkOp) Snapshot(ctx context.Context, id int64) ([]byte, error) {
	if ss, ok := s.sink.(sinkSnapshotter); ok {
		return ss.Snapshot(ctx, id)
	}
	return nil, nil
}

// Restore is unused: the state goes to Sink.Open (openWithState).
func (s *sinkOp) Restore(context.Context, []byte) error { return nil }

func (s *sinkOp) CheckpointComplete(ctx context.Context, id int64) error {
	if l, ok := s.sink.(runtime.CheckpointListener); ok {
		return l.CheckpointComplete(ctx, id)
	}
	return nil
}

func (s *sinkOp) Close(ctx context.Context, _ runtime.Emitter) error {
	s.done = true
	ferr := s.sink.Flush(ctx)
	cerr := s.sink.Close()
	if ferr != nil {
		return fmt.Errorf("flush: %w", ferr)
	}
	return cerr
}

func (s *sinkOp) abort() {
	if s.opened && !s.done {
		s.done = true
		s.sink.Close()
	}
}

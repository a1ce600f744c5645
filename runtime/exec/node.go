package exec

import (
	"context"
	"errors"
	"fmt"
	rtdebug "runtime/debug"

	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/checkpoint"
	"github.com/chatsql/chatsql/runtime/metrics"
)

// Messages on the channels between nodes. Barriers and watermarks travel in
// band, so they never overtake the rows before them.
type msgKind uint8

const (
	msgBatch msgKind = iota
	msgWatermark
	msgBarrier
	msgEnd
)

type message struct {
	kind  msgKind
	batch *runtime.Batch
	value int64 // watermark (micros) or checkpoint id
}

// WatermarkHolder is implemented by operators that forward watermarks
// themselves (an async operator holds a watermark back until the rows that
// arrived before it are emitted). The runtime then does not forward the
// watermark after Operator.Watermark returns; the operator calls
// WatermarkEmitter.EmitWatermark on its Emitter instead.
type WatermarkHolder interface{ HoldsWatermarks() }

// WatermarkEmitter is implemented by the Emitter the runtime hands to
// operators.
type WatermarkEmitter interface {
	EmitWatermark(ctx context.Context, wm int64) error
}

// Notifier is implemented by operators that have work to do between input
// messages (completed async calls, processing-time timers). The runtime
// waits on Notify alongside the inputs and calls OnNotify from the
// operator's goroutine.
type Notifier interface {
	Notify() <-chan struct{}
	OnNotify(ctx context.Context, out runtime.Emitter) error
}

// InputWatermarkObserver is implemented by operators with several inputs
// that must know one input's own watermark, not only the minimum over all
// inputs (the Lookup operator learns that its table input is loaded when
// that input's watermark reaches runtime.MaxWatermark). The runtime calls
// InputWatermark whenever input's watermark advances, before it computes
// the minimum and calls Operator.Watermark.
type InputWatermarkObserver interface {
	InputWatermark(ctx context.Context, input int, wm int64, out runtime.Emitter) error
}

// stateOpener is an operator that takes its restored state in Open (the
// sink wrapper: runtime.Sink.Open takes the state).
type stateOpener interface {
	openWithState(ctx context.Context, oc *runtime.OpContext, state []byte) error
}

// statsAware operators count into their node's figures (async errors).
type statsAware interface{ setStats(*metrics.Operator) }

// aborter releases an operator's resources when the job is cancelled or
// fails (Close, which emits, is for graceful ends only).
type aborter interface{ abort() }

// node is one plan node at run time.
type node struct {
	j     *Job
	pn    *plan.Node
	label string
	stats *metrics.Operator

	ins  []chan message
	outs []chan message

	op  runtime.Operator // nil for sources
	src runtime.Source   // nil for operators

	state    []byte // restored state
	restored bool

	notify     chan struct{}       // a checkpoint completed (coalesced)
	notified   int64               // last checkpoint id passed to CheckpointComplete
	barrierReq chan barrierRequest // sources: inject a barrier
}

func nodeLabel(pn *plan.Node) string { return fmt.Sprintf("%d:%s:%s", pn.ID, pn.Kind, pn.Name) }

func (j *Job) newNode(pn *plan.Node, m *checkpoint.Manifest) (*node, error) {
	n := &node{j: j, pn: pn, label: nodeLabel(pn), notify: make(chan struct{}, 1)}
	n.stats = j.metrics.Operator(n.label)
	if m != nil {
		switch ns := m.Node(pn.ID); {
		case ns == nil:
			j.logf("warning: job %s: node %s is not in checkpoint %d; starting it fresh", j.name, n.label, m.ID)
		case ns.Kind != pn.Kind || ns.Name != pn.Name:
			j.logf("warning: job %s: node %d was %s:%s in checkpoint %d, now %s:%s; starting it fresh",
				j.name, pn.ID, ns.Kind, ns.Name, m.ID, pn.Kind, pn.Name)
		default:
			n.state, n.restored = ns.State, true
		}
	}
	if pn.Kind == plan.KindSource {
		cfg, ok := pn.Config.(*plan.SourceConfig)
		if !ok {
			return nil, fmt.Errorf("%w: node %s: config is %T, want *plan.SourceConfig", ErrBadPlan, n.label, pn.Config)
		}
		c, err := j.opts.Connectors.Lookup(cfg.Connector)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.label, err)
		}
		if c.NewSource == nil {
			return nil, fmt.Errorf("%w: node %s: connector %s cannot be read from", ErrBadPlan, n.label, cfg.Connector)
		}
		conn := cfg.Conn
		if conn.Settings == nil {
			conn.Settings = j.opts.Settings
		}
		src, err := c.NewSource(conn)
		if err != nil {
			return nil, fmt.Errorf("node %s: source %s: %w", n.label, cfg.Connector, err)
		}
		n.src = src
		n.barrierReq = make(chan barrierRequest, 1)
		return n, nil
	}
	ctor, ok := lookupOperator(pn.Kind)
	if !ok {
		return nil, fmt.Errorf("%w: node %s: no operator registered for kind %q", ErrBadPlan, n.label, pn.Kind)
	}
	op, err := ctor(pn, &BuildContext{JobID: j.id, JobName: j.name, Options: &j.opts})
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.label, err)
	}
	n.op = op
	if sa, ok := op.(statsAware); ok {
		sa.setStats(n.stats)
	}
	return n, nil
}

// discard releases what newNode acquired when Start fails.
func (n *node) discard() {
	if n.src != nil {
		n.src.Close()
	}
	if a, ok := n.op.(aborter); ok {
		a.abort()
	}
}

func (n *node) run(ctx context.Context) error {
	if n.src != nil {
		return n.wrap(n.runSource(ctx))
	}
	return n.wrap(n.runOperator(ctx))
}

// wrap names the operator in an error (once).
func (n *node) wrap(err error) error {
	if err == nil || ctxErr(err) {
		return err
	}
	if oe, ok := err.(*OperatorError); ok && oe.Operator == n.label {
		return err
	}
	return &OperatorError{Operator: n.label, Err: err}
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func stack() []byte { return rtdebug.Stack() }

func (n *node) opContext() *runtime.OpContext {
	return &runtime.OpContext{JobID: n.j.id, JobName: n.j.opts.Name, Operator: n.label, DeadLetter: n.j.deadLetter(n.pn.Name), Logf: n.j.opts.Logf}
}

// Emit implements runtime.Emitter: it sends b to every consumer, blocking
// while a channel is full (backpressure). Consumers must treat batches as
// read-only, since fan-out shares them.
func (n *node) Emit(ctx context.Context, b *runtime.Batch) error {
	if b == nil || len(b.Rows) == 0 {
		return nil
	}
	n.stats.RowsOut.Add(len(b.Rows))
	return n.send(ctx, message{kind: msgBatch, batch: b})
}

// EmitWatermark implements WatermarkEmitter.
func (n *node) EmitWatermark(ctx context.Context, wm int64) error {
	return n.send(ctx, message{kind: msgWatermark, value: wm})
}

func (n *node) send(ctx context.Context, m message) error {
	for _, ch := range n.outs {
		select {
		case ch <- m:
		default:
			select {
			case ch <- m:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// checkpointComplete passes the newest durable checkpoint to target if it
// listens and has not been told yet.
func (n *node) checkpointComplete(ctx context.Context, target any) error {
	id := n.j.coord.completedID.Load()
	if id <= n.notified {
		return nil
	}
	n.notified = id
	if l, ok := target.(runtime.CheckpointListener); ok {
		if err := l.CheckpointComplete(ctx, id); err != nil {
			return fmt.Errorf("checkpoint %d complete: %w", id, err)
		}
	}
	return nil
}

type tagged struct {
	input int
	m     message
}

// runOperator is the loop of a non-source node: it reads its inputs, keeps
// the minimum watermark over them, aligns barriers and calls the operator.
func (n *node) runOperator(ctx context.Context) (err error) {
	op := n.op
	oc := n.opContext()
	closed := false
	defer func() {
		if !closed {
			if a, ok := op.(aborter); ok {
				a.abort()
			}
		}
	}()
	if so, ok := op.(stateOpener); ok {
		if err := so.openWithState(ctx, oc, n.state); err != nil {
			return fmt.Errorf("open: %w", err)
		}
	} else {
		if err := op.Open(ctx, oc); err != nil {
			return fmt.Errorf("open: %w", err)
		}
		if s, ok := op.(runtime.Snapshotter); ok && n.restored && n.state != nil {
			if err := s.Restore(ctx, n.state); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
		}
	}

	nin := len(n.ins)
	var single chan message
	var merged chan tagged
	var resume []chan struct{}
	if nin == 1 {
		single = n.ins[0]
	} else {
		merged, resume = n.startForwarders()
	}
	var wake <-chan struct{}
	notifier, _ := op.(Notifier)
	if notifier != nil {
		wake = notifier.Notify()
	}
	_, holds := op.(WatermarkHolder)
	inWM, _ := op.(InputWatermarkObserver)

	wms := make([]int64, nin)
	for i := range wms {
		wms[i] = runtime.MinWatermark
	}
	cur := runtime.MinWatermark
	ended := make([]bool, nin)
	nEnded := 0
	var aligning, maxSeen int64
	arrived := make([]bool, nin)
	release := func(k int) {
		arrived[k] = false
		if resume != nil {
			resume[k] <- struct{}{}
		}
	}
	releaseAll := func() {
		for k := range arrived {
			if arrived[k] {
				release(k)
			}
		}
		aligning = 0
	}
	tryAlign := func() error {
		if aligning == 0 {
			return nil
		}
		for k := range arrived {
			if !arrived[k] && !ended[k] {
				return nil
			}
		}
		if err := n.barrier(ctx, aligning); err != nil {
			return err
		}
		releaseAll()
		return nil
	}

	for {
		var m message
		idx := 0
		select {
		case m = <-single:
		case t := <-merged:
			m, idx = t.m, t.input
		case <-wake:
			if err := notifier.OnNotify(ctx, n); err != nil {
				return err
			}
			continue
		case <-n.notify:
			if err := n.checkpointComplete(ctx, op); err != nil {
				return err
			}
			continue
		case <-ctx.Done():
			return ctx.Err()
		}
		switch m.kind {
		case msgBatch:
			n.stats.RowsIn.Add(len(m.batch.Rows))
			if err := op.Process(ctx, idx, m.batch, n); err != nil {
				return err
			}
		case msgWatermark:
			if m.value <= wms[idx] {
				continue
			}
			wms[idx] = m.value
			if inWM != nil {
				if err := inWM.InputWatermark(ctx, idx, m.value, n); err != nil {
					return err
				}
			}
			low := wms[0]
			for _, w := range wms[1:] {
				low = min(low, w)
			}
			if low <= cur {
				continue
			}
			cur = low
			n.stats.SetWatermark(cur)
			if err := op.Watermark(ctx, cur, n); err != nil {
				return err
			}
			if !holds {
				if err := n.EmitWatermark(ctx, cur); err != nil {
					return err
				}
			}
		case msgBarrier:
			id := m.value
			if id < maxSeen || (id == maxSeen && aligning != id) {
				// A barrier of an abandoned checkpoint.
				release(idx)
				continue
			}
			if id > maxSeen {
				if aligning != 0 {
					n.j.logf("warning: job %s: %s: checkpoint %d abandoned for %d", n.j.name, n.label, aligning, id)
					releaseAll()
				}
				maxSeen, aligning = id, id
			}
			arrived[idx] = true
			if err := tryAlign(); err != nil {
				return err
			}
		case msgEnd:
			ended[idx] = true
			nEnded++
			if err := tryAlign(); err != nil {
				return err
			}
			if nEnded < nin {
				continue
			}
			// Every input ended. A checkpoint that completed just before
			// (Stop's final one) is reported before Close.
			select {
			case <-n.notify:
			default:
			}
			if err := n.checkpointComplete(ctx, op); err != nil {
				return err
			}
			closed = true
			if err := op.Close(ctx, n); err != nil {
				return fmt.Errorf("close: %w", err)
			}
			if err := n.send(ctx, message{kind: msgEnd}); err != nil {
				return err
			}
			n.j.coord.finish(ctx, n, nil)
			return nil
		}
	}
}

// barrier runs when checkpoint id's barrier arrived on every input.
func (n *node) barrier(ctx context.Context, id int64) error {
	if bh, ok := n.op.(runtime.BarrierHandler); ok {
		if err := bh.PrepareBarrier(ctx, id, n); err != nil {
			return fmt.Errorf("checkpoint %d: prepare: %w", id, err)
		}
	}
	var state []byte
	if s, ok := n.op.(runtime.Snapshotter); ok {
		st, err := s.Snapshot(ctx, id)
		if err != nil {
			return fmt.Errorf("checkpoint %d: snapshot: %w", id, err)
		}
		state = st
	}
	if err := n.send(ctx, message{kind: msgBarrier, value: id}); err != nil {
		return err
	}
	return n.j.coord.ack(ctx, n, id, state)
}

// startForwarders merges several inputs into one channel. A forwarder that
// passed a barrier waits for resume before reading on: that is how an input
// is blocked during barrier alignment.
func (n *node) startForwarders() (chan tagged, []chan struct{}) {
	merged := make(chan tagged, len(n.ins))
	resume := make([]chan struct{}, len(n.ins))
	for i, in := range n.ins {
		i, in := i, in
		resume[i] = make(chan struct{}, 1)
		n.j.spawn(fmt.Sprintf("%s input %d", n.label, i), func(ctx context.Context) error {
			for {
				var m message
				select {
				case m = <-in:
				case <-ctx.Done():
					return nil
				}
				select {
				case merged <- tagged{input: i, m: m}:
				case <-ctx.Done():
					return nil
				}
				switch m.kind {
				case msgEnd:
					return nil
				case msgBarrier:
					select {
					case <-resume[i]:
					case <-ctx.Done():
						return nil
					}
				}
			}
		})
	}
	return merged, resume
}

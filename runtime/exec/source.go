package exec

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// runSource is the source driver: it polls, projects raw rows to declared
// rows, tracks watermarks per partition, splits batches, and injects
// barriers between polls when the coordinator asks.
func (n *node) runSource(ctx context.Context) error {
	cfg := n.pn.Config.(*plan.SourceConfig)
	project := compileAll(cfg.Project)
	var wmEval expr.Evaluator
	if cfg.Watermark != nil && !cfg.Changelog {
		// A changelog (reference table) source sends no event-time
		// watermarks: only MaxWatermark once the table is loaded.
		wmEval = cfg.Watermark.Compile()
	}
	tracker := &wmTracker{idle: n.idleTimeout(cfg), parts: map[int32]*partState{}}
	sc := &runtime.SourceContext{OpContext: *n.opContext(), Partitions: tracker.setPartitions, Lag: n.j.metrics.SetConsumerLag}
	var caughtUp atomic.Bool
	loadedSent := false
	if cfg.Changelog {
		sc.CaughtUp = func() { caughtUp.Store(true) }
	}
	var state []byte
	if n.restored {
		state = n.state
	}
	if err := n.src.Open(ctx, sc, state); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer func() {
		if err := n.src.Close(); err != nil {
			n.j.logf("warning: job %s: %s: close: %v", n.j.name, n.label, err)
		}
	}()
	batchSize := n.j.opts.BatchSize
	interval := n.j.opts.WatermarkInterval
	emitted := runtime.MinWatermark
	var lastEmit time.Time
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		select {
		case req := <-n.barrierReq:
			if err := n.sourceBarrier(ctx, req.id); err != nil {
				return err
			}
			if req.final {
				return n.finalStop(ctx)
			}
		case <-n.notify:
			if err := n.checkpointComplete(ctx, n.src); err != nil {
				return err
			}
		default:
		}
		b, err := n.src.Poll(ctx)
		if errors.Is(err, runtime.ErrEndOfInput) {
			return n.sourceEnded(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("poll: %w", err)
		}
		now := time.Now()
		if b != nil && len(b.Rows) > 0 {
			n.stats.RowsIn.Add(len(b.Rows))
			rows := b.Rows
			if project != nil {
				rows = n.projectRows(ctx, project, b, sc.DeadLetter, cfg.Changelog)
			}
			if wmEval != nil {
				cand := runtime.MinWatermark
				for _, r := range rows {
					if v, err := wmEval(r); err == nil && !v.IsNull() && v.Micros() > cand {
						cand = v.Micros()
					}
				}
				tracker.observe(b.Partition, cand, now)
			}
			for i := 0; i < len(rows); i += batchSize {
				part := &runtime.Batch{Rows: rows[i:min(i+batchSize, len(rows))], Partition: b.Partition}
				if err := n.Emit(ctx, part); err != nil {
					return err
				}
			}
		}
		if !loadedSent && caughtUp.Load() {
			// Everything the table held at start was emitted above: the
			// table is loaded.
			loadedSent = true
			n.stats.SetWatermark(runtime.MaxWatermark)
			if err := n.EmitWatermark(ctx, runtime.MaxWatermark); err != nil {
				return err
			}
		}
		if wmEval != nil && now.Sub(lastEmit) >= interval {
			if w, ok := tracker.current(now); ok && w > emitted {
				emitted, lastEmit = w, now
				n.stats.SetWatermark(w)
				if err := n.EmitWatermark(ctx, w); err != nil {
					return err
				}
			}
		}
	}
}

func (n *node) idleTimeout(cfg *plan.SourceConfig) time.Duration {
	if cfg.IdleTimeout > 0 {
		return cfg.IdleTimeout
	}
	if s := n.j.opts.Settings[SettingIdleTimeout]; s != "" {
		if d, err := connectors.ParseDuration(s); err == nil && d > 0 {
			return d
		}
		n.j.logf("warning: setting %s = %q is not a positive duration; using %s", SettingIdleTimeout, s, DefaultIdleTimeout)
	}
	return DefaultIdleTimeout
}

// projectRows applies the source's projection. For a changelog source
// (changelog), a column that fails on a delete row (the raw row's op
// column, its second to last, is plan.ChangeDelete) is NULL instead: a
// tombstone carries only its key.
func (n *node) projectRows(ctx context.Context, project []expr.Evaluator, b *runtime.Batch, dl func(context.Context, runtime.DeadLetterRecord), changelog bool) []types.Row {
	k := len(project)
	vals := make([]types.Value, len(b.Rows)*k)
	out := make([]types.Row, 0, len(b.Rows))
next:
	for i, raw := range b.Rows {
		r := types.Row(vals[i*k : (i+1)*k : (i+1)*k])
		for c, ev := range project {
			v, err := ev(raw)
			if err != nil && changelog && isDeleteRow(raw) {
				v, err = types.NullValue, nil
			}
			if err != nil {
				dl(ctx, runtime.DeadLetterRecord{Source: n.pn.Name, Partition: b.Partition, Value: rowJSON(raw),
					Err: fmt.Errorf("column %s: %w", columnName(n.pn, c), err)})
				continue next
			}
			r[c] = v
		}
		out = append(out, r)
	}
	return out
}

// isDeleteRow reports whether a raw changelog row is a delete.
func isDeleteRow(raw types.Row) bool {
	if len(raw) < plan.ChangelogExtra {
		return false
	}
	op := raw[len(raw)-plan.ChangelogExtra]
	return !op.IsNull() && op.Kind() != types.KindString && op.Int() == plan.ChangeDelete
}

func columnName(pn *plan.Node, i int) string {
	if i < len(pn.Schema.Columns) {
		return pn.Schema.Columns[i].Name
	}
	return fmt.Sprintf("#%d", i)
}

func (n *node) sourceBarrier(ctx context.Context, id int64) error {
	st, err := n.src.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint %d: snapshot: %w", id, err)
	}
	if err := n.send(ctx, message{kind: msgBarrier, value: id}); err != nil {
		return err
	}
	return n.j.coord.ack(ctx, n, id, st)
}

// sourceEnded: a bounded source is exhausted. The max watermark fires every
// pending timer downstream, then end-of-input follows.
func (n *node) sourceEnded(ctx context.Context) error {
	n.stats.SetWatermark(runtime.MaxWatermark)
	if err := n.EmitWatermark(ctx, runtime.MaxWatermark); err != nil {
		return err
	}
	if err := n.send(ctx, message{kind: msgEnd}); err != nil {
		return err
	}
	st, err := n.src.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("final snapshot: %w", err)
	}
	n.j.coord.finish(ctx, n, st)
	return nil
}

// finalStop: after Stop's barrier, wait until that checkpoint is durable,
// then end the stream without a max watermark.
func (n *node) finalStop(ctx context.Context) error {
	select {
	case <-n.j.coord.stopDone:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := n.checkpointComplete(ctx, n.src); err != nil {
		return err
	}
	if err := n.send(ctx, message{kind: msgEnd}); err != nil {
		return err
	}
	n.j.coord.finish(ctx, n, nil)
	return nil
}

func compileAll(es []expr.Expr) []expr.Evaluator {
	if es == nil {
		return nil
	}
	out := make([]expr.Evaluator, len(es))
	for i, e := range es {
		out[i] = e.Compile()
	}
	return out
}

// rowJSON renders a row as a JSON array, for dead letters.
func rowJSON(r types.Row) []byte {
	buf := []byte{'['}
	for i, v := range r {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = types.AppendJSON(buf, v)
	}
	return append(buf, ']')
}

// wmTracker keeps the watermark of each partition and when it last saw
// data. The source's watermark is the minimum over partitions that are not
// idle; a partition that sends again rejoins.
type wmTracker struct {
	mu    sync.Mutex // Partitions may be called from the source's own goroutines
	idle  time.Duration
	parts map[int32]*partState
}

type partState struct {
	wm   int64
	last time.Time
}

func (t *wmTracker) setPartitions(ids []int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	keep := map[int32]bool{}
	now := time.Now()
	for _, id := range ids {
		keep[id] = true
		if t.parts[id] == nil {
			t.parts[id] = &partState{wm: runtime.MinWatermark, last: now}
		}
	}
	for id := range t.parts {
		if !keep[id] {
			delete(t.parts, id)
		}
	}
}

func (t *wmTracker) observe(p int32, cand int64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.parts[p]
	if ps == nil {
		ps = &partState{wm: runtime.MinWatermark}
		t.parts[p] = ps
	}
	ps.last = now
	if cand > ps.wm {
		ps.wm = cand
	}
}

// current returns the minimum watermark over active partitions; false when
// every partition is idle (the watermark then stays where it is).
func (t *wmTracker) current(now time.Time) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	low, active := runtime.MaxWatermark, false
	for _, ps := range t.parts {
		if now.Sub(ps.last) > t.idle {
			continue
		}
		active = true
		low = min(low, ps.wm)
	}
	return low, active
}

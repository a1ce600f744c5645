package exec

import (
	"context"
	"fmt"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// calc is a filter followed by a projection. A row whose expressions fail
// is dead-lettered and dropped; the stream goes on.
type calc struct {
	cfg     *plan.CalcConfig
	label   string
	filter  expr.Evaluator
	project []expr.Evaluator
	oc      *runtime.OpContext
}

func newCalc(n *plan.Node, _ *BuildContext) (runtime.Operator, error) {
	cfg, ok := n.Config.(*plan.CalcConfig)
	if !ok {
		return nil, fmt.Errorf("%w: Calc config is %T, want *plan.CalcConfig", ErrBadPlan, n.Config)
	}
	return &calc{cfg: cfg, label: n.Name}, nil
}

func (c *calc) Open(ctx context.Context, oc *runtime.OpContext) error {
	c.oc = oc
	if c.cfg.Filter != nil {
		c.filter = c.cfg.Filter.Compile()
	}
	c.project = compileAll(c.cfg.Project)
	return nil
}

func (c *calc) Process(ctx context.Context, _ int, b *runtime.Batch, out runtime.Emitter) error {
	k := len(c.project)
	var vals []types.Value
	if c.project != nil {
		vals = make([]types.Value, len(b.Rows)*k)
	}
	rows := make([]types.Row, 0, len(b.Rows))
	used := 0
next:
	for _, in := range b.Rows {
		if c.filter != nil {
			v, err := c.filter(in)
			if err != nil {
				c.deadLetter(ctx, in, fmt.Errorf("filter: %w", err))
				continue
			}
			if t, null := expr.Truth(v); null || !t {
				continue
			}
		}
		if c.project == nil {
			rows = append(rows, in)
			continue
		}
		r := types.Row(vals[used : used+k : used+k])
		for i, ev := range c.project {
			v, err := ev(in)
			if err != nil {
				c.deadLetter(ctx, in, fmt.Errorf("column %d: %w", i, err))
				continue next
			}
			r[i] = v
		}
		used += k
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil
	}
	return out.Emit(ctx, &runtime.Batch{Rows: rows, Partition: b.Partition})
}

func (c *calc) deadLetter(ctx context.Context, row types.Row, err error) {
	c.oc.DeadLetter(ctx, runtime.DeadLetterRecord{Source: c.oc.Operator, Value: rowJSON(row), Err: err})
}

func (c *calc) Watermark(context.Context, int64, runtime.Emitter) error { return nil }
func (c *calc) Close(context.Context, runtime.Emitter) error            { return nil }

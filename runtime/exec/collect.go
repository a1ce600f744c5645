package exec

import (
	"context"
	"fmt"

	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// collect hands rows to Options.Collect (the REPL's streaming SELECT) and
// ends the job once CollectConfig.Limit rows went out.
type collect struct {
	fn    func(ctx context.Context, rows []types.Row) error
	limit int
	seen  int
}

func newCollect(n *plan.Node, bc *BuildContext) (runtime.Operator, error) {
	c := &collect{fn: bc.Options.Collect}
	if cfg, ok := n.Config.(*plan.CollectConfig); ok && cfg != nil {
		c.limit = cfg.Limit
	} else if n.Config != nil {
		return nil, fmt.Errorf("%w: Collect config is %T, want *plan.CollectConfig", ErrBadPlan, n.Config)
	}
	if c.fn == nil {
		return nil, fmt.Errorf("%w: the plan collects rows but Options.Collect is nil", ErrBadPlan)
	}
	return c, nil
}

func (c *collect) Open(context.Context, *runtime.OpContext) error { return nil }

func (c *collect) Process(ctx context.Context, _ int, b *runtime.Batch, _ runtime.Emitter) error {
	rows := b.Rows
	if c.limit > 0 && c.seen+len(rows) >= c.limit {
		rows = rows[:c.limit-c.seen]
		c.seen = c.limit
		if len(rows) > 0 {
			if err := c.fn(ctx, rows); err != nil {
				return err
			}
		}
		return errLimitReached
	}
	c.seen += len(rows)
	return c.fn(ctx, rows)
}

func (c *collect) Watermark(context.Context, int64, runtime.Emitter) error { return nil }
func (c *collect) Close(context.Context, runtime.Emitter) error            { return nil }

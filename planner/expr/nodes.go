package expr

import (
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// Column reads column Index of the input row.
type Column struct {
	Index int
	Name  string
	T     types.Type
}

func (c *Column) Type() types.Type { return c.T }
func (c *Column) String() string   { return fmt.Sprintf("$%d:%s", c.Index, c.Name) }
func (c *Column) Compile() Evaluator {
	i := c.Index
	return func(row types.Row) (types.Value, error) { return row[i], nil }
}

// Literal is a constant.
type Literal struct {
	V types.Value
	T types.Type
}

func (l *Literal) Type() types.Type { return l.T }
func (l *Literal) String() string {
	switch l.V.Kind() {
	case types.KindString:
		return "'" + strings.ReplaceAll(l.V.Str(), "'", "''") + "'"
	case types.KindTimestamp, types.KindTimestampLTZ, types.KindDate:
		return l.T.Kind.String() + " '" + l.V.String() + "'"
	case types.KindInterval:
		return formatInterval(l.V.Micros())
	}
	return l.V.String()
}
func (l *Literal) Compile() Evaluator {
	v := l.V
	return func(types.Row) (types.Value, error) { return v, nil }
}

// Call invokes a scalar function. Compile binds the function again so that
// each operator instance gets its own evaluator (functions may keep
// scratch buffers).
type Call struct {
	Fn   *udf.Scalar
	Args []Expr
	Bind []udf.Arg
	T    types.Type
}

func (c *Call) Type() types.Type { return c.T }
func (c *Call) String() string   { return c.Fn.Name + "(" + joinExprs(c.Args) + ")" }
func (c *Call) Compile() Evaluator {
	_, eval, err := c.Fn.Bind(c.Bind)
	if err != nil { // bound once at plan time already; cannot fail now
		return func(types.Row) (types.Value, error) { return types.NullValue, err }
	}
	// Constant arguments are written into the scratch buffer once and
	// column arguments are read straight from the row: only computed
	// arguments cost a closure call per row (JSON_OBJECT's keys are
	// constants, its values mostly columns).
	scratch := make([]types.Value, len(c.Args))
	var cols []argCol
	var dyn []argEval
	for i, a := range c.Args {
		switch x := a.(type) {
		case *Literal:
			scratch[i] = x.V
		case *Column:
			cols = append(cols, argCol{i, x.Index})
		default:
			dyn = append(dyn, argEval{i, a.Compile()})
		}
	}
	if len(dyn) == 0 {
		return func(row types.Row) (types.Value, error) {
			for _, a := range cols {
				scratch[a.slot] = row[a.col]
			}
			return eval(scratch)
		}
	}
	return func(row types.Row) (types.Value, error) {
		for _, a := range cols {
			scratch[a.slot] = row[a.col]
		}
		for _, a := range dyn {
			v, err := a.eval(row)
			if err != nil {
				return v, err
			}
			scratch[a.slot] = v
		}
		return eval(scratch)
	}
}

type argCol struct{ slot, col int }

type argEval struct {
	slot int
	eval Evaluator
}

// AsyncCall marks an async function call inside an expression. The planner
// replaces every AsyncCall by a Column read of an async operator's output
// before anything is compiled, so Compile is never reached in a valid plan.
type AsyncCall struct {
	Fn   *udf.Async
	Args []Expr
	T    types.Type
}

func (a *AsyncCall) Type() types.Type { return a.T }
func (a *AsyncCall) String() string   { return a.Fn.Name + "(" + joinExprs(a.Args) + ")" }
func (a *AsyncCall) Compile() Evaluator {
	return func(types.Row) (types.Value, error) {
		return types.NullValue, fmt.Errorf("internal error: async call %s was not planned into an async operator", a.Fn.Name)
	}
}

// Subquery marks a subquery against a reference table inside an
// expression (EXISTS, a scalar or aggregate subquery, IN). The planner
// replaces every Subquery by a Column read of a Lookup node's appended
// column before anything is compiled, so Compile is never reached in a
// valid plan. Plan is the planner's description of it, opaque here; its
// expressions read the enclosing row followed by the table's row, so rules
// must not move a Subquery to another input (see IsDeferred).
type Subquery struct {
	Plan any
	Text string // for String
	T    types.Type
}

func (s *Subquery) Type() types.Type { return s.T }
func (s *Subquery) String() string   { return s.Text }
func (s *Subquery) Compile() Evaluator {
	return func(types.Row) (types.Value, error) {
		return types.NullValue, fmt.Errorf("internal error: subquery %s was not planned into a lookup operator", s.Text)
	}
}

func compileAll(es []Expr) []Evaluator {
	out := make([]Evaluator, len(es))
	for i, e := range es {
		out[i] = e.Compile()
	}
	return out
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// formatInterval renders micros as INTERVAL 'n' UNIT in the largest unit
// that divides it.
func formatInterval(micros int64) string {
	units := []struct {
		name string
		m    int64
	}{{"DAY", 86400e6}, {"HOUR", 3600e6}, {"MINUTE", 60e6}, {"SECOND", 1e6}, {"MICROSECOND", 1}}
	for _, u := range units {
		if micros%u.m == 0 {
			return fmt.Sprintf("INTERVAL '%d' %s", micros/u.m, u.name)
		}
	}
	return fmt.Sprintf("INTERVAL '%d' MICROSECOND", micros)
}

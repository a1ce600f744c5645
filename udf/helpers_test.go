package udf

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

// Value shorthands for test tables.
var null = types.NullValue

func s(x string) types.Value   { return types.NewString(x) }
func i(x int64) types.Value    { return types.NewBigInt(x) }
func f(x float64) types.Value  { return types.NewDouble(x) }
func b(x bool) types.Value     { return types.NewBool(x) }
func j(x string) types.Value   { return types.NewJSON(x) }
func day(x string) types.Value { d, _ := toDays(s(x)); return types.NewDate(d) }

func dec(x string) types.Value {
	_, frac, _ := strings.Cut(x, ".")
	u, ok := parseDecimal(x, len(frac))
	if !ok {
		panic("bad decimal in test: " + x)
	}
	return types.NewDecimal(u, len(frac))
}

func ts(x string) types.Value {
	m, ok := ParseTimestamp(x)
	if !ok {
		panic("bad timestamp in test: " + x)
	}
	return types.NewTimestamp(m)
}

func ltz(x string) types.Value {
	m, ok := ParseTimestamp(x)
	if !ok {
		panic("bad timestamp in test: " + x)
	}
	return types.NewTimestampLTZ(m)
}

// typeOf is the plan-time type of a literal value.
func typeOf(v types.Value) types.Type {
	switch v.Kind() {
	case types.KindDecimal:
		return types.Decimal(18, v.DecimalScale())
	case types.KindTimestamp:
		return types.Timestamp
	case types.KindTimestampLTZ:
		return types.TimestampLTZ
	}
	return types.Type{Kind: v.Kind()}
}

// show renders a result as "KIND:text" so tables compare kind and value.
func show(v types.Value) string {
	if v.IsNull() {
		return "NULL"
	}
	return v.Kind().String() + ":" + v.String()
}

// bindCall binds name over args (as constants when consts) and evaluates it.
func bindCall(name string, consts bool, args ...types.Value) (types.Type, types.Value, error) {
	fn, ok := Default.Scalar(name)
	if !ok {
		return types.Type{}, null, fmt.Errorf("no function %s", name)
	}
	bargs := make([]Arg, len(args))
	for k := range args {
		bargs[k] = Arg{Type: typeOf(args[k])}
		if consts {
			v := args[k]
			bargs[k].Const = &v
		}
	}
	rt, eval, err := fn.Bind(bargs)
	if err != nil {
		return rt, null, err
	}
	vals := append([]types.Value(nil), args...)
	v, err := eval(vals)
	return rt, v, err
}

type fcase struct {
	fn   string
	args []types.Value
	want string // show() of the result; ignored when err is set
	// wantCol, when set, is the result with column (non-constant)
	// arguments, where a type cannot depend on a constant's value.
	wantCol string
	err     error // an error kind expected from Bind or the evaluation
}

func (c fcase) name() string {
	parts := make([]string, len(c.args))
	for k, a := range c.args {
		parts[k] = show(a)
	}
	return c.fn + "(" + strings.Join(parts, ",") + ")"
}

// runCases checks every case twice: with constant arguments (bind-time
// precomputation) and with column arguments (the per-row path), which
// must agree. A case whose function needs constants (units, directions)
// only runs the constant way.
func runCases(t *testing.T, cases []fcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			for _, consts := range []bool{true, false} {
				rt, got, err := bindCall(c.fn, consts, c.args...)
				if !consts && err != nil && errors.Is(err, ErrArgValue) && strings.Contains(err.Error(), "constant") {
					continue
				}
				if c.err != nil {
					if !errors.Is(err, c.err) {
						t.Fatalf("consts=%v: got %v, %v; want error %v", consts, show(got), err, c.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("consts=%v: unexpected error: %v", consts, err)
				}
				want := c.want
				if !consts && c.wantCol != "" {
					want = c.wantCol
				}
				if g := show(got); g != want {
					t.Fatalf("consts=%v: got %s, want %s", consts, g, want)
				}
				if !got.IsNull() && rt.Kind != types.KindNull && got.Kind() != rt.Kind {
					t.Fatalf("consts=%v: value kind %s differs from bound type %s", consts, got.Kind(), rt)
				}
			}
		})
	}
}

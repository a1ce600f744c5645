package expr

import (
	"math"
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

// TestNaNComparisons: a DOUBLE NaN (from a parquet file, say) compares as
// IEEE 754, Flink and Iceberg's row filters do: every comparison false but
// <>, never IN a list, never BETWEEN. (types.Compare orders NaN equal to
// everything, which made NaN = 1.5 true.)
func TestNaNComparisons(t *testing.T) {
	lit := func(f float64) Expr { return &Literal{V: types.NewDouble(f), T: types.Double} }
	nan := lit(math.NaN())
	eval := func(e Expr) string {
		v, err := e.Compile()(nil)
		if err != nil {
			t.Fatal(err)
		}
		return v.String()
	}
	for op, want := range map[CmpOp]string{EQ: "FALSE", NE: "TRUE", LT: "FALSE", LE: "FALSE", GT: "FALSE", GE: "FALSE", NullSafeEQ: "FALSE"} {
		if got := eval(&Compare{Op: op, L: nan, R: lit(1.5)}); got != want {
			t.Errorf("NaN %s 1.5 = %s, want %s", op, got, want)
		}
		if got := eval(&Compare{Op: op, L: lit(1.5), R: nan}); got != want {
			t.Errorf("1.5 %s NaN = %s, want %s", op, got, want)
		}
		if got := eval(&Compare{Op: op, L: nan, R: nan}); got != want {
			t.Errorf("NaN %s NaN = %s, want %s", op, got, want)
		}
	}
	if got := eval(&Compare{Op: EQ, L: lit(1.5), R: lit(1.5)}); got != "TRUE" {
		t.Errorf("1.5 = 1.5 is %s", got)
	}
	if got := eval(&In{E: nan, List: []Expr{lit(1.5), nan}}); got != "FALSE" {
		t.Errorf("NaN IN (1.5, NaN) = %s", got)
	}
	if got := eval(&In{E: nan, List: []Expr{lit(1.5)}, Not: true}); got != "TRUE" {
		t.Errorf("NaN NOT IN (1.5) = %s", got)
	}
	if got := eval(&Between{E: nan, Lo: lit(1), Hi: lit(2)}); got != "FALSE" {
		t.Errorf("NaN BETWEEN 1 AND 2 = %s", got)
	}
	if got := eval(&Between{E: nan, Lo: lit(1), Hi: lit(2), Not: true}); got != "TRUE" {
		t.Errorf("NaN NOT BETWEEN 1 AND 2 = %s", got)
	}
}

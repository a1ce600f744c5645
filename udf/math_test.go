package udf

import (
	"math"
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestMathFunctions(t *testing.T) {
	runCases(t, []fcase{
		{fn: "ABS", args: []types.Value{i(-3)}, want: "BIGINT:3"},
		{fn: "ABS", args: []types.Value{f(-2.5)}, want: "DOUBLE:2.5"},
		{fn: "ABS", args: []types.Value{dec("-1.25")}, want: "DECIMAL:1.25"},
		{fn: "ABS", args: []types.Value{s("-4")}, want: "DOUBLE:4"},
		{fn: "ABS", args: []types.Value{null}, want: "NULL"},
		{fn: "ABS", args: []types.Value{ts("2024-01-01")}, err: ErrArgType},
		{fn: "ABS", args: []types.Value{i(math.MinInt64)}, err: ErrArgValue},
		{fn: "CEIL", args: []types.Value{f(1.2)}, want: "DOUBLE:2"},
		{fn: "CEILING", args: []types.Value{dec("-1.5")}, want: "BIGINT:-1"},
		{fn: "CEIL", args: []types.Value{dec("1.01")}, want: "BIGINT:2"},
		{fn: "CEIL", args: []types.Value{i(7)}, want: "BIGINT:7"},
		{fn: "FLOOR", args: []types.Value{f(-1.2)}, want: "DOUBLE:-2"},
		{fn: "FLOOR", args: []types.Value{dec("-1.5")}, want: "BIGINT:-2"},
		{fn: "FLOOR", args: []types.Value{dec("1.5")}, want: "BIGINT:1"},
		{fn: "ROUND", args: []types.Value{dec("2.5")}, want: "DECIMAL:3"},
		{fn: "ROUND", args: []types.Value{f(2.5)}, want: "DOUBLE:3"},
		{fn: "ROUND", args: []types.Value{f(-2.5)}, want: "DOUBLE:-3"},
		{fn: "ROUND", args: []types.Value{dec("-2.5")}, want: "DECIMAL:-3"},
		{fn: "ROUND", args: []types.Value{dec("1.298"), i(1)}, want: "DECIMAL:1.3", wantCol: "DECIMAL:1.300"},
		{fn: "ROUND", args: []types.Value{dec("1.234"), i(2)}, want: "DECIMAL:1.23", wantCol: "DECIMAL:1.230"},
		{fn: "ROUND", args: []types.Value{f(1.298), i(1)}, want: "DOUBLE:1.3"},
		{fn: "ROUND", args: []types.Value{i(1251), i(-2)}, want: "BIGINT:1300"},
		{fn: "ROUND", args: []types.Value{f(23.298), i(-1)}, want: "DOUBLE:20"},
		{fn: "ROUND", args: []types.Value{s("2.5")}, want: "DOUBLE:3"},
		{fn: "ROUND", args: []types.Value{f(1), null}, want: "NULL"},
		{fn: "TRUNCATE", args: []types.Value{f(1.999), i(1)}, want: "DOUBLE:1.9"},
		{fn: "TRUNCATE", args: []types.Value{dec("-1.999"), i(2)}, want: "DECIMAL:-1.99", wantCol: "DECIMAL:-1.990"},
		{fn: "TRUNCATE", args: []types.Value{i(122), i(-2)}, want: "BIGINT:100"},
		{fn: "TRUNCATE", args: []types.Value{f(1.5)}, err: ErrArgCount},
		{fn: "MOD", args: []types.Value{i(234), i(10)}, want: "BIGINT:4"},
		{fn: "MOD", args: []types.Value{i(-7), i(3)}, want: "BIGINT:-1"},
		{fn: "MOD", args: []types.Value{i(7), i(0)}, want: "NULL"},
		{fn: "MOD", args: []types.Value{f(34.5), i(3)}, want: "DOUBLE:1.5"},
		{fn: "MOD", args: []types.Value{dec("34.5"), i(3)}, want: "DECIMAL:1.5"},
		{fn: "POW", args: []types.Value{i(2), i(10)}, want: "DOUBLE:1024"},
		{fn: "POWER", args: []types.Value{i(2), i(-1)}, want: "DOUBLE:0.5"},
		{fn: "SQRT", args: []types.Value{i(16)}, want: "DOUBLE:4"},
		{fn: "SQRT", args: []types.Value{i(-1)}, want: "NULL"},
		{fn: "EXP", args: []types.Value{i(0)}, want: "DOUBLE:1"},
		{fn: "LN", args: []types.Value{i(1)}, want: "DOUBLE:0"},
		{fn: "LN", args: []types.Value{i(0)}, want: "NULL"},
		{fn: "LOG", args: []types.Value{i(2), i(8)}, want: "DOUBLE:3"},
		{fn: "LOG", args: []types.Value{i(1), i(8)}, want: "NULL"},
		{fn: "LOG", args: []types.Value{f(math.E)}, want: "DOUBLE:1"},
		{fn: "LOG2", args: []types.Value{i(8)}, want: "DOUBLE:3"},
		{fn: "LOG10", args: []types.Value{i(1000)}, want: "DOUBLE:3"},
		{fn: "LOG10", args: []types.Value{i(-1)}, want: "NULL"},
		{fn: "SIGN", args: []types.Value{f(-3.2)}, want: "INT:-1"},
		{fn: "SIGN", args: []types.Value{i(0)}, want: "INT:0"},
		{fn: "SIGN", args: []types.Value{dec("0.01")}, want: "INT:1"},
		{fn: "PI", args: nil, want: "DOUBLE:3.141592653589793"},
		{fn: "PI", args: []types.Value{i(1)}, err: ErrArgCount},
		{fn: "SIN", args: []types.Value{i(0)}, want: "DOUBLE:0"},
		{fn: "COS", args: []types.Value{i(0)}, want: "DOUBLE:1"},
		{fn: "TAN", args: []types.Value{i(0)}, want: "DOUBLE:0"},
		{fn: "ASIN", args: []types.Value{i(2)}, want: "NULL"},
		{fn: "ACOS", args: []types.Value{i(1)}, want: "DOUBLE:0"},
		{fn: "ATAN", args: []types.Value{i(0)}, want: "DOUBLE:0"},
		{fn: "ATAN", args: []types.Value{i(1), i(0)}, want: "DOUBLE:1.5707963267948966"},
		{fn: "ATAN2", args: []types.Value{i(0), i(-1)}, want: "DOUBLE:3.141592653589793"},
		{fn: "COT", args: []types.Value{i(0)}, want: "NULL"},
		{fn: "DEGREES", args: []types.Value{f(math.Pi)}, want: "DOUBLE:180"},
		{fn: "RADIANS", args: []types.Value{i(180)}, want: "DOUBLE:3.141592653589793"},
		{fn: "CRC32", args: []types.Value{s("MySQL")}, want: "BIGINT:3259397556"},
		{fn: "GREATEST", args: []types.Value{i(2), i(0), f(34.5)}, want: "DOUBLE:34.5"},
		{fn: "GREATEST", args: []types.Value{s("B"), s("A"), s("C")}, want: "VARCHAR:C"},
		{fn: "GREATEST", args: []types.Value{i(1), null}, want: "NULL"},
		{fn: "LEAST", args: []types.Value{i(2), i(0), i(-3)}, want: "BIGINT:-3"},
		{fn: "LEAST", args: []types.Value{ts("2024-01-02"), s("2024-01-01 10:00:00")}, want: "TIMESTAMP:2024-01-01 10:00:00.000"},
		{fn: "LEAST", args: []types.Value{i(1)}, err: ErrArgCount},
	})
}

func TestRand(t *testing.T) {
	fn, _ := Default.Scalar("RAND")
	if !fn.Volatile {
		t.Fatal("RAND must be volatile")
	}
	_, v, err := bindCall("RAND", true)
	if err != nil || v.Float() < 0 || v.Float() >= 1 {
		t.Fatalf("RAND() = %v, %v", v, err)
	}
	// A constant seed gives the same sequence for every bound call.
	_, a, _ := bindCall("RAND", true, i(42))
	_, b, _ := bindCall("RAND", true, i(42))
	if a.Float() != b.Float() {
		t.Fatalf("RAND(42) differs: %v vs %v", a, b)
	}
}

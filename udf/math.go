package udf

import (
	"hash/crc32"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/chatsql/chatsql/runtime/types"
)

// numClass is how a numeric function computes: exactly on integers or
// decimals, or in floating point (doubles, and strings read as numbers).
type numClass uint8

const (
	numFloat numClass = iota
	numInt
	numDecimal
)

func classOf(t types.Type) numClass {
	switch t.Kind {
	case types.KindInt, types.KindBigInt, types.KindBoolean:
		return numInt
	case types.KindDecimal:
		return numDecimal
	}
	return numFloat
}

// doubleFn binds a DOUBLE function of one or two DOUBLE arguments; f's
// false result (a domain error such as SQRT(-1)) gives NULL, as in MySQL.
func doubleFn(nargs int, f func(x []float64) (float64, bool)) bindFunc {
	return fixed(nargs, nargs, types.Double, func(a []types.Value) (types.Value, error) {
		var xs [2]float64
		for i := range a {
			x, ok := ToFloat64(a[i])
			if !ok {
				return types.NullValue, nil
			}
			xs[i] = x
		}
		r, ok := f(xs[:len(a)])
		if !ok || math.IsNaN(r) || math.IsInf(r, 0) {
			return types.NullValue, nil
		}
		return types.NewDouble(r), nil
	}, cNum)
}

func unary(f func(float64) float64) func([]float64) (float64, bool) {
	return func(x []float64) (float64, bool) { return f(x[0]), true }
}

func init() {
	register("math",
		def{names: []string{"ABS"}, sig: "ABS(x) -> same type", doc: "Absolute value.", bind: bindAbs},
		def{names: []string{"CEIL", "CEILING"}, sig: "CEIL(x) -> BIGINT or DOUBLE", doc: "Smallest integer not less than x.",
			bind: bindRounder(true)},
		def{names: []string{"FLOOR"}, sig: "FLOOR(x) -> BIGINT or DOUBLE", doc: "Largest integer not greater than x.",
			bind: bindRounder(false)},
		def{names: []string{"ROUND"}, sig: "ROUND(x [, d]) -> type of x", doc: "x rounded half away from zero to d decimals (default 0; negative d rounds left of the point). ROUND(2.5) = 3.",
			bind: bindRound(false)},
		def{names: []string{"TRUNCATE"}, sig: "TRUNCATE(x, d) -> type of x", doc: "x truncated towards zero to d decimals.",
			bind: bindRound(true)},
		def{names: []string{"MOD"}, sig: "MOD(a, b) -> numeric", doc: "Remainder of a / b with the sign of a; NULL when b is 0.", bind: bindMod},
		def{names: []string{"POW", "POWER"}, sig: "POW(x, y) -> DOUBLE", doc: "x raised to the power y.",
			bind: doubleFn(2, func(x []float64) (float64, bool) { return math.Pow(x[0], x[1]), true })},
		def{names: []string{"SQRT"}, sig: "SQRT(x) -> DOUBLE", doc: "Square root; NULL for negative x.",
			bind: doubleFn(1, func(x []float64) (float64, bool) { return math.Sqrt(x[0]), x[0] >= 0 })},
		def{names: []string{"EXP"}, sig: "EXP(x) -> DOUBLE", doc: "e raised to the power x.", bind: doubleFn(1, unary(math.Exp))},
		def{names: []string{"LN"}, sig: "LN(x) -> DOUBLE", doc: "Natural logarithm; NULL for x <= 0.",
			bind: doubleFn(1, func(x []float64) (float64, bool) { return math.Log(x[0]), x[0] > 0 })},
		def{names: []string{"LOG"}, sig: "LOG([base,] x) -> DOUBLE", doc: "Natural logarithm of x, or its logarithm to base; NULL outside the domain.",
			bind: bindLog},
		def{names: []string{"LOG2"}, sig: "LOG2(x) -> DOUBLE", doc: "Base-2 logarithm; NULL for x <= 0.",
			bind: doubleFn(1, func(x []float64) (float64, bool) { return math.Log2(x[0]), x[0] > 0 })},
		def{names: []string{"LOG10"}, sig: "LOG10(x) -> DOUBLE", doc: "Base-10 logarithm; NULL for x <= 0.",
			bind: doubleFn(1, func(x []float64) (float64, bool) { return math.Log10(x[0]), x[0] > 0 })},
		def{names: []string{"SIGN"}, sig: "SIGN(x) -> INT", doc: "-1, 0 or 1 by the sign of x.",
			bind: fixed(1, 1, types.Int, func(a []types.Value) (types.Value, error) {
				f, ok := ToFloat64(a[0])
				if !ok {
					return types.NullValue, nil
				}
				switch {
				case f > 0:
					return types.NewInt(1), nil
				case f < 0:
					return types.NewInt(-1), nil
				}
				return types.NewInt(0), nil
			}, cNum)},
		def{names: []string{"PI"}, sig: "PI() -> DOUBLE", doc: "π.",
			bind: fixed(0, 0, types.Double, func([]types.Value) (types.Value, error) { return types.NewDouble(math.Pi), nil })},
		def{names: []string{"RAND"}, sig: "RAND([seed]) -> DOUBLE", doc: "A random number in [0, 1); with a constant seed, a repeatable sequence.",
			volatile: true, bind: bindRand},
		def{names: []string{"SIN"}, sig: "SIN(x) -> DOUBLE", doc: "Sine of x radians.", bind: doubleFn(1, unary(math.Sin))},
		def{names: []string{"COS"}, sig: "COS(x) -> DOUBLE", doc: "Cosine of x radians.", bind: doubleFn(1, unary(math.Cos))},
		def{names: []string{"TAN"}, sig: "TAN(x) -> DOUBLE", doc: "Tangent of x radians.", bind: doubleFn(1, unary(math.Tan))},
		def{names: []string{"ASIN"}, sig: "ASIN(x) -> DOUBLE", doc: "Arc sine; NULL outside [-1, 1].", bind: doubleFn(1, unary(math.Asin))},
		def{names: []string{"ACOS"}, sig: "ACOS(x) -> DOUBLE", doc: "Arc cosine; NULL outside [-1, 1].", bind: doubleFn(1, unary(math.Acos))},
		def{names: []string{"ATAN"}, sig: "ATAN(x) or ATAN(y, x) -> DOUBLE", doc: "Arc tangent of x, or of y/x using both signs for the quadrant.", bind: bindAtan},
		def{names: []string{"ATAN2"}, sig: "ATAN2(y, x) -> DOUBLE", doc: "Arc tangent of y/x using both signs for the quadrant.",
			bind: doubleFn(2, func(x []float64) (float64, bool) { return math.Atan2(x[0], x[1]), true })},
		def{names: []string{"COT"}, sig: "COT(x) -> DOUBLE", doc: "Cotangent; NULL where the tangent is 0.",
			bind: doubleFn(1, func(x []float64) (float64, bool) { t := math.Tan(x[0]); return 1 / t, t != 0 })},
		def{names: []string{"DEGREES"}, sig: "DEGREES(x) -> DOUBLE", doc: "x radians in degrees.",
			bind: doubleFn(1, unary(func(x float64) float64 { return x * 180 / math.Pi }))},
		def{names: []string{"RADIANS"}, sig: "RADIANS(x) -> DOUBLE", doc: "x degrees in radians.",
			bind: doubleFn(1, unary(func(x float64) float64 { return x * math.Pi / 180 }))},
		def{names: []string{"CRC32"}, sig: "CRC32(str) -> BIGINT", doc: "CRC-32 (IEEE) checksum of str's bytes.",
			bind: fixed(1, 1, types.BigInt, func(a []types.Value) (types.Value, error) {
				return types.NewBigInt(int64(crc32.ChecksumIEEE([]byte(text(a[0]))))), nil
			}, cText)},
	)
}

func checkUnaryNum(name string, args []Arg, min, max int) error {
	if err := checkArgs(name, args, min, max); err != nil {
		return err
	}
	return checkClasses(name, args, cNum)
}

func bindAbs(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkUnaryNum(name, args, 1, 1); err != nil {
		return types.Type{}, nil, err
	}
	switch classOf(args[0].Type) {
	case numInt:
		return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
			n, _ := ToInt64(a[0])
			if n == math.MinInt64 {
				return types.NullValue, funcErr(name, ErrArgValue, "of %d overflows BIGINT", n)
			}
			if n < 0 {
				n = -n
			}
			return types.NewBigInt(n), nil
		}), nil
	case numDecimal:
		t := args[0].Type
		return t.Nullable(), strict(func(a []types.Value) (types.Value, error) {
			u := a[0].Unscaled()
			if u < 0 {
				u = -u
			}
			return types.NewDecimal(u, a[0].DecimalScale()), nil
		}), nil
	}
	return types.Double, strict(func(a []types.Value) (types.Value, error) {
		f, ok := ToFloat64(a[0])
		if !ok {
			return types.NullValue, nil
		}
		return types.NewDouble(math.Abs(f)), nil
	}), nil
}

// bindRounder binds CEIL and FLOOR: exact types give BIGINT, the rest DOUBLE.
func bindRounder(ceil bool) bindFunc {
	f := math.Floor
	if ceil {
		f = math.Ceil
	}
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		if err := checkUnaryNum(name, args, 1, 1); err != nil {
			return types.Type{}, nil, err
		}
		switch classOf(args[0].Type) {
		case numInt:
			return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
				n, _ := ToInt64(a[0])
				return types.NewBigInt(n), nil
			}), nil
		case numDecimal:
			return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
				p := pow10i[min(a[0].DecimalScale(), 18)]
				u := a[0].Unscaled()
				q, r := floorDiv(u, p)
				if r != 0 && ceil {
					q++
				}
				return types.NewBigInt(q), nil
			}), nil
		}
		return types.Double, strict(func(a []types.Value) (types.Value, error) {
			x, ok := ToFloat64(a[0])
			if !ok {
				return types.NullValue, nil
			}
			return types.NewDouble(f(x)), nil
		}), nil
	}
}

// roundFloat rounds (or truncates) x to d decimals; beyond float64's
// precision x is returned as it is.
func roundFloat(x float64, d int64, trunc bool) float64 {
	if d > 300 {
		return x
	}
	if d < -300 {
		return 0
	}
	p := math.Pow(10, float64(d))
	y := x * p
	if math.IsInf(y, 0) || math.Abs(y) > 1<<53 {
		return x
	}
	if trunc {
		y = math.Trunc(y)
	} else {
		y = math.Round(y)
	}
	return y / p
}

// roundUnscaled rounds or truncates an unscaled value at scale s to d
// decimals, keeping scale s.
func roundUnscaled(u int64, s int, d int64, trunc bool) (int64, bool) {
	if d >= int64(s) {
		return u, true
	}
	drop := int64(s) - d
	if drop > 18 {
		return 0, true
	}
	p := pow10i[drop]
	q, r := u/p, u%p
	if !trunc {
		if r >= (p+1)/2 {
			q++
		} else if -r >= (p+1)/2 {
			q--
		}
	}
	if q > math.MaxInt64/p || q < math.MinInt64/p {
		return 0, false
	}
	return q * p, true
}

func bindRound(trunc bool) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		minArgs := 1
		if trunc {
			minArgs = 2
		}
		if err := checkUnaryNum(name, args, minArgs, 2); err != nil {
			return types.Type{}, nil, err
		}
		digits := func(a []types.Value) (int64, bool) {
			if len(a) < 2 {
				return 0, true
			}
			return ToInt64(a[1])
		}
		switch classOf(args[0].Type) {
		case numInt:
			return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
				n, _ := ToInt64(a[0])
				d, ok := digits(a)
				if !ok {
					return types.NullValue, nil
				}
				r, ok := roundUnscaled(n, 0, d, trunc)
				if !ok {
					return types.NullValue, funcErr(name, ErrArgValue, "of %d overflows BIGINT", n)
				}
				return types.NewBigInt(r), nil
			}), nil
		case numDecimal:
			t := args[0].Type.Nullable()
			// With constant digits the result scale shrinks to them, as MySQL
			// types ROUND(12.345, 1) as DECIMAL(.., 1).
			outScale := t.Scale
			if len(args) == 1 {
				outScale = 0
			} else if args[1].Const != nil {
				if d, ok := ToInt64(*args[1].Const); ok {
					outScale = int(max(0, min(d, int64(t.Scale))))
				}
			}
			rt := types.Decimal(t.Precision, outScale)
			return rt, strict(func(a []types.Value) (types.Value, error) {
				d, ok := digits(a)
				if !ok {
					return types.NullValue, nil
				}
				s := a[0].DecimalScale()
				u, ok := roundUnscaled(a[0].Unscaled(), s, d, trunc)
				if !ok {
					return types.NullValue, funcErr(name, ErrArgValue, "of %s overflows %s", a[0].DecimalString(), rt)
				}
				u, _ = rescale(u, s, outScale) // exact: digits below outScale are zero now
				return types.NewDecimal(u, outScale), nil
			}), nil
		}
		return types.Double, strict(func(a []types.Value) (types.Value, error) {
			x, ok := ToFloat64(a[0])
			d, ok2 := digits(a)
			if !ok || !ok2 {
				return types.NullValue, nil
			}
			return types.NewDouble(roundFloat(x, d, trunc)), nil
		}), nil
	}
}

func bindMod(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkUnaryNum(name, args, 2, 2); err != nil {
		return types.Type{}, nil, err
	}
	ca, cb := classOf(args[0].Type), classOf(args[1].Type)
	switch {
	case ca == numInt && cb == numInt:
		return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
			x, _ := ToInt64(a[0])
			y, _ := ToInt64(a[1])
			if y == 0 {
				return types.NullValue, nil
			}
			if y == -1 {
				return types.NewBigInt(0), nil // avoids MinInt64 % -1 overflow
			}
			return types.NewBigInt(x % y), nil
		}), nil
	case ca != numFloat && cb != numFloat:
		scale := max(args[0].Type.Scale, args[1].Type.Scale)
		if ca == numInt {
			scale = args[1].Type.Scale
		} else if cb == numInt {
			scale = args[0].Type.Scale
		}
		rt := types.Decimal(18, scale)
		return rt, strict(func(a []types.Value) (types.Value, error) {
			x, ok1 := toDecimal(a[0], scale)
			y, ok2 := toDecimal(a[1], scale)
			if !ok1 || !ok2 || y == 0 {
				return types.NullValue, nil
			}
			if y == -1 {
				return types.NewDecimal(0, scale), nil
			}
			return types.NewDecimal(x%y, scale), nil
		}), nil
	}
	return types.Double, strict(func(a []types.Value) (types.Value, error) {
		x, ok1 := ToFloat64(a[0])
		y, ok2 := ToFloat64(a[1])
		if !ok1 || !ok2 || y == 0 {
			return types.NullValue, nil
		}
		return types.NewDouble(math.Mod(x, y)), nil
	}), nil
}

func bindLog(name string, args []Arg) (types.Type, EvalFunc, error) {
	if len(args) == 2 {
		return doubleFn(2, func(x []float64) (float64, bool) {
			b, v := x[0], x[1]
			return math.Log(v) / math.Log(b), b > 0 && b != 1 && v > 0
		})(name, args)
	}
	return doubleFn(1, func(x []float64) (float64, bool) { return math.Log(x[0]), x[0] > 0 })(name, args)
}

func bindAtan(name string, args []Arg) (types.Type, EvalFunc, error) {
	if len(args) == 2 {
		return doubleFn(2, func(x []float64) (float64, bool) { return math.Atan2(x[0], x[1]), true })(name, args)
	}
	return doubleFn(1, unary(math.Atan))(name, args)
}

func bindRand(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkUnaryNum(name, args, 0, 1); err != nil {
		return types.Type{}, nil, err
	}
	if len(args) == 0 {
		return types.Double, func([]types.Value) (types.Value, error) {
			return types.NewDouble(rand.Float64()), nil
		}, nil
	}
	if args[0].Const != nil {
		// One repeatable sequence per bound call, as MySQL's RAND(N) gives
		// per query; shared by the operator's goroutines, hence the lock.
		seed, _ := ToInt64(*args[0].Const)
		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
		return types.Double, func([]types.Value) (types.Value, error) {
			mu.Lock()
			f := rng.Float64()
			mu.Unlock()
			return types.NewDouble(f), nil
		}, nil
	}
	return types.Double, func(a []types.Value) (types.Value, error) {
		seed, _ := ToInt64(a[0])
		return types.NewDouble(rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)).Float64()), nil
	}, nil
}

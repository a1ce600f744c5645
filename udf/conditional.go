package udf

import (
	"github.com/chatsql/chatsql/runtime/types"
)

// CommonType is the type that values of all of ts convert to, as IF,
// COALESCE, GREATEST and the binder's CASE need: NULL types are ignored,
// numbers widen (INT < BIGINT < DECIMAL < DOUBLE), times win over strings,
// and anything else meets at VARCHAR.
func CommonType(ts ...types.Type) types.Type {
	var out types.Type
	seen := false
	for _, t := range ts {
		t = t.Nullable()
		if t.Kind == types.KindNull {
			continue
		}
		if !seen {
			out, seen = t, true
			continue
		}
		out = common2(out, t)
	}
	return out
}

func common2(a, b types.Type) types.Type {
	ka, kb := a.Kind, b.Kind
	if ka == kb {
		switch ka {
		case types.KindDecimal:
			scale := max(a.Scale, b.Scale)
			digits := max(a.Precision-a.Scale, b.Precision-b.Scale)
			return types.Decimal(min(18, digits+scale), scale)
		case types.KindString:
			if a.Precision == 0 || b.Precision == 0 {
				return types.String
			}
			return types.Type{Kind: types.KindString, Precision: max(a.Precision, b.Precision)}
		}
		a.Precision = max(a.Precision, b.Precision)
		return a
	}
	numeric := func(k types.Kind) bool { return k.IsNumeric() || k == types.KindBoolean }
	switch {
	case numeric(ka) && numeric(kb):
		switch {
		case ka == types.KindDouble || kb == types.KindDouble:
			return types.Double
		case ka == types.KindDecimal || kb == types.KindDecimal:
			d := a
			if kb == types.KindDecimal {
				d = b
			}
			if ka == types.KindDecimal && kb == types.KindDecimal {
				return common2(a, b)
			}
			return types.Decimal(18, d.Scale)
		}
		return types.BigInt
	case ka.IsTime() && kb.IsTime():
		return types.Type{Kind: types.KindTimestampLTZ, Precision: max(a.Precision, b.Precision)}
	case ka.IsTime() && (kb == types.KindDate || kb == types.KindString):
		return a
	case kb.IsTime() && (ka == types.KindDate || ka == types.KindString):
		return b
	case ka == types.KindDate && kb == types.KindString:
		return a
	case kb == types.KindDate && ka == types.KindString:
		return b
	}
	return types.String
}

// coerce converts v to t for a function whose result type is t; a value
// that does not convert becomes NULL.
func coerce(v types.Value, t types.Type) types.Value {
	k := v.Kind()
	if k == types.KindNull || t.Kind == types.KindNull {
		return v
	}
	if k == t.Kind && (k != types.KindDecimal || v.DecimalScale() == t.Scale) {
		return v
	}
	if t.Kind == types.KindString {
		s, _ := ToString(v)
		return types.NewString(s)
	}
	if t.Kind == types.KindDecimal {
		// Keep the value even if it exceeds the nominal precision.
		u, ok := toDecimal(v, t.Scale)
		if !ok {
			return types.NullValue
		}
		return types.NewDecimal(u, t.Scale)
	}
	return TryCast(v, t)
}

// sqlEqual compares two non-NULL values as SQL '=' does between mixed
// kinds: numbers and numeric strings as numbers, otherwise by Compare.
func sqlEqual(a, b types.Value) bool {
	ka, kb := a.Kind(), b.Kind()
	if ka != kb && (ka.IsNumeric() || kb.IsNumeric()) {
		x, ok1 := ToFloat64(a)
		y, ok2 := ToFloat64(b)
		return ok1 && ok2 && x == y
	}
	return types.Compare(a, b) == 0
}

func argTypes(args []Arg) []types.Type {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type
	}
	return ts
}

func init() {
	register("conditional",
		def{names: []string{"IF"}, sig: "IF(cond, then, else) -> common type", doc: "then when cond is true, else otherwise (NULL counts as false).",
			bind: bindIf},
		def{names: []string{"IFNULL", "NVL"}, sig: "IFNULL(a, b) -> common type", doc: "a unless it is NULL, then b.",
			bind: bindCoalesce(2, 2)},
		def{names: []string{"COALESCE"}, sig: "COALESCE(a, b, ...) -> common type", doc: "The first non-NULL argument.",
			bind: bindCoalesce(1, -1)},
		def{names: []string{"NULLIF"}, sig: "NULLIF(a, b) -> type of a", doc: "NULL when a = b, else a.",
			bind: bindNullIf},
		def{names: []string{"ISNULL"}, sig: "ISNULL(x) -> BOOLEAN", doc: "Whether x is NULL.",
			bind: func(name string, args []Arg) (types.Type, EvalFunc, error) {
				if err := checkArgs(name, args, 1, 1); err != nil {
					return types.Type{}, nil, err
				}
				return types.Boolean, func(a []types.Value) (types.Value, error) {
					return types.NewBool(a[0].IsNull()), nil
				}, nil
			}},
		def{names: []string{"GREATEST"}, sig: "GREATEST(a, b, ...) -> common type", doc: "The largest argument; NULL if any is NULL.",
			bind: bindExtreme(1)},
		def{names: []string{"LEAST"}, sig: "LEAST(a, b, ...) -> common type", doc: "The smallest argument; NULL if any is NULL.",
			bind: bindExtreme(-1)},
	)
}

func bindIf(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 3, 3); err != nil {
		return types.Type{}, nil, err
	}
	rt := CommonType(args[1].Type, args[2].Type)
	return rt, func(a []types.Value) (types.Value, error) {
		if b, ok := ToBool(a[0]); ok && b {
			return coerce(a[1], rt), nil
		}
		return coerce(a[2], rt), nil
	}, nil
}

func bindCoalesce(min, max int) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		if err := checkArgs(name, args, min, max); err != nil {
			return types.Type{}, nil, err
		}
		rt := CommonType(argTypes(args)...)
		return rt, func(a []types.Value) (types.Value, error) {
			for i := range a {
				if !a[i].IsNull() {
					return coerce(a[i], rt), nil
				}
			}
			return types.NullValue, nil
		}, nil
	}
}

func bindNullIf(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, 2); err != nil {
		return types.Type{}, nil, err
	}
	return args[0].Type.Nullable(), func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() || a[1].IsNull() {
			return a[0], nil
		}
		if sqlEqual(a[0], a[1]) {
			return types.NullValue, nil
		}
		return a[0], nil
	}, nil
}

func bindExtreme(sign int) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		if err := checkArgs(name, args, 2, -1); err != nil {
			return types.Type{}, nil, err
		}
		if err := checkClasses(name, args, cText); err != nil {
			return types.Type{}, nil, err
		}
		rt := CommonType(argTypes(args)...)
		return rt, strict(func(a []types.Value) (types.Value, error) {
			best := coerce(a[0], rt)
			if best.IsNull() {
				return best, nil
			}
			for i := 1; i < len(a); i++ {
				v := coerce(a[i], rt)
				if v.IsNull() {
					return v, nil
				}
				if types.Compare(v, best)*sign > 0 {
					best = v
				}
			}
			return best, nil
		}), nil
	}
}

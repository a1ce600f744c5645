package iceberg

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chatsql/chatsql/runtime/types"
)

// reader reads row i of an arrow column as a chatsql value.
type reader func(arr arrow.Array, i int) types.Value

// newReader returns the reader of an arrow column of type dt whose values
// are read as chatsql type want (the declared column's type: an Iceberg
// int read as BIGINT, a string as JSON, ...).
func newReader(dt arrow.DataType, want types.Type) (reader, error) {
	base, err := baseReader(dt)
	if err != nil {
		return nil, err
	}
	conv := coerce(want)
	if conv == nil {
		return base, nil
	}
	return func(arr arrow.Array, i int) types.Value {
		if arr.IsNull(i) {
			return types.NullValue
		}
		return conv(base(arr, i))
	}, nil
}

// baseReader reads an arrow value as the chatsql value of its natural type.
func baseReader(dt arrow.DataType) (reader, error) {
	switch dt.ID() {
	case arrow.BOOL:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewBool(arr.(*array.Boolean).Value(i))
		}, nil
	case arrow.INT8, arrow.INT16, arrow.INT32:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			switch a := arr.(type) {
			case *array.Int32:
				return types.NewInt(int64(a.Value(i)))
			case *array.Int16:
				return types.NewInt(int64(a.Value(i)))
			case *array.Int8:
				return types.NewInt(int64(a.Value(i)))
			}
			return types.NullValue
		}, nil
	case arrow.INT64:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewBigInt(arr.(*array.Int64).Value(i))
		}, nil
	case arrow.FLOAT32:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewDouble(float64(arr.(*array.Float32).Value(i)))
		}, nil
	case arrow.FLOAT64:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewDouble(arr.(*array.Float64).Value(i))
		}, nil
	case arrow.DECIMAL128:
		dec := dt.(*arrow.Decimal128Type)
		if dec.Precision > 18 {
			return nil, fmt.Errorf("decimal(%d,%d) has more than 18 digits (chatsql's DECIMAL holds 18)", dec.Precision, dec.Scale)
		}
		scale := int(dec.Scale)
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			n := arr.(*array.Decimal128).Value(i)
			return types.NewDecimal(int64(n.LowBits()), scale)
		}, nil
	case arrow.STRING:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewString(arr.(*array.String).Value(i))
		}, nil
	case arrow.LARGE_STRING:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewString(arr.(*array.LargeString).Value(i))
		}, nil
	case arrow.STRING_VIEW:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewString(arr.(*array.StringView).Value(i))
		}, nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			switch a := arr.(type) {
			case *array.Binary:
				return types.NewBytes(string(a.Value(i)))
			case *array.LargeBinary:
				return types.NewBytes(string(a.Value(i)))
			}
			return types.NullValue
		}, nil
	case arrow.FIXED_SIZE_BINARY:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewBytes(string(arr.(*array.FixedSizeBinary).Value(i)))
		}, nil
	case arrow.EXTENSION:
		// uuid: a fixed-size binary underneath, read as its text form.
		ext := dt.(arrow.ExtensionType)
		if ext.StorageType().ID() != arrow.FIXED_SIZE_BINARY {
			return nil, fmt.Errorf("arrow type %s is not supported", dt)
		}
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewString(arr.ValueStr(i))
		}, nil
	case arrow.TIMESTAMP:
		ts := dt.(*arrow.TimestampType)
		div := int64(1)
		mult := int64(1)
		switch ts.Unit {
		case arrow.Nanosecond:
			div = 1000
		case arrow.Millisecond:
			mult = 1000
		case arrow.Second:
			mult = 1_000_000
		}
		ltz := ts.TimeZone != ""
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			us := int64(arr.(*array.Timestamp).Value(i)) * mult / div
			if ltz {
				return types.NewTimestampLTZ(us)
			}
			return types.NewTimestamp(us)
		}, nil
	case arrow.DATE32:
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewDate(int64(arr.(*array.Date32).Value(i)))
		}, nil
	case arrow.TIME64:
		// Iceberg time: read as BIGINT microseconds of the day.
		return func(arr arrow.Array, i int) types.Value {
			if arr.IsNull(i) {
				return types.NullValue
			}
			return types.NewBigInt(int64(arr.(*array.Time64).Value(i)))
		}, nil
	}
	return nil, fmt.Errorf("arrow type %s is not supported", dt)
}

// coerce returns the conversion of a value to the declared type want, or
// nil when values pass as they are.
func coerce(want types.Type) func(types.Value) types.Value {
	switch want.Kind {
	case types.KindInt:
		return func(v types.Value) types.Value {
			switch v.Kind() {
			case types.KindInt:
				return v
			case types.KindBigInt:
				return types.NewInt(v.Int())
			}
			return v
		}
	case types.KindBigInt:
		return func(v types.Value) types.Value {
			switch v.Kind() {
			case types.KindInt:
				return types.NewBigInt(v.Int())
			}
			return v
		}
	case types.KindDouble:
		return func(v types.Value) types.Value {
			switch v.Kind() {
			case types.KindInt, types.KindBigInt, types.KindDecimal:
				return types.NewDouble(v.AsFloat())
			}
			return v
		}
	case types.KindDecimal:
		scale := want.Scale
		return func(v types.Value) types.Value {
			u, sc := v.Unscaled(), v.DecimalScale()
			switch v.Kind() {
			case types.KindInt, types.KindBigInt:
				u, sc = v.Int(), 0
			case types.KindDecimal:
			default:
				return v
			}
			return types.NewDecimal(rescale(u, sc, scale), scale)
		}
	case types.KindString:
		return func(v types.Value) types.Value {
			switch v.Kind() {
			case types.KindString:
				return v
			case types.KindJSON, types.KindBytes:
				return types.NewString(v.Str())
			}
			return types.NewString(v.String())
		}
	case types.KindJSON:
		return func(v types.Value) types.Value {
			if v.Kind() == types.KindString || v.Kind() == types.KindBytes {
				return types.NewJSON(v.Str())
			}
			return v
		}
	case types.KindTimestamp:
		return func(v types.Value) types.Value {
			if v.Kind() == types.KindTimestampLTZ {
				return types.NewTimestamp(v.Micros())
			}
			return v
		}
	case types.KindTimestampLTZ:
		return func(v types.Value) types.Value {
			if v.Kind() == types.KindTimestamp {
				return types.NewTimestampLTZ(v.Micros())
			}
			return v
		}
	}
	return nil
}

// rescale turns the unscaled value u of scale from into one of scale to
// (truncating digits it drops).
func rescale(u int64, from, to int) int64 {
	for ; from < to; from++ {
		u *= 10
	}
	for ; from > to; from-- {
		u /= 10
	}
	return u
}

package types

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Value is one SQL value. It is a small struct, passed by value, that never
// allocates for numbers, booleans and times. The zero Value is NULL.
type Value struct {
	kind Kind
	sc   int8   // decimal scale (next to kind: the struct stays 32 bytes)
	n    uint64 // int64, float64 bits, bool, micros, days, unscaled decimal
	s    string // string, JSON text, bytes
}

// NullValue is SQL NULL.
var NullValue = Value{}

// Constructors.
func NewBool(b bool) Value {
	if b {
		return Value{kind: KindBoolean, n: 1}
	}
	return Value{kind: KindBoolean}
}
func NewInt(i int64) Value      { return Value{kind: KindInt, n: uint64(i)} }
func NewBigInt(i int64) Value   { return Value{kind: KindBigInt, n: uint64(i)} }
func NewDouble(f float64) Value { return Value{kind: KindDouble, n: math.Float64bits(f)} }
func NewString(s string) Value  { return Value{kind: KindString, s: s} }
func NewJSON(text string) Value { return Value{kind: KindJSON, s: text} }
func NewBytes(b string) Value   { return Value{kind: KindBytes, s: b} }

// NewDecimal makes a decimal from its unscaled value and scale: 1234, 2 is 12.34.
func NewDecimal(unscaled int64, scale int) Value {
	return Value{kind: KindDecimal, n: uint64(unscaled), sc: int8(scale)}
}

// NewTimestamp makes a TIMESTAMP from microseconds since the epoch (UTC wall clock).
func NewTimestamp(micros int64) Value { return Value{kind: KindTimestamp, n: uint64(micros)} }

// NewTimestampLTZ makes a TIMESTAMP_LTZ (an instant) from microseconds since the epoch.
func NewTimestampLTZ(micros int64) Value { return Value{kind: KindTimestampLTZ, n: uint64(micros)} }

// NewDate makes a DATE from days since the epoch.
func NewDate(days int64) Value { return Value{kind: KindDate, n: uint64(days)} }

// NewInterval makes an interval of micros microseconds.
func NewInterval(micros int64) Value { return Value{kind: KindInterval, n: uint64(micros)} }

// Accessors. They do not check the kind: callers know it from the plan.
func (v Value) Kind() Kind        { return v.kind }
func (v Value) IsNull() bool      { return v.kind == KindNull }
func (v Value) Bool() bool        { return v.n != 0 }
func (v Value) Int() int64        { return int64(v.n) }
func (v Value) Float() float64    { return math.Float64frombits(v.n) }
func (v Value) Str() string       { return v.s }
func (v Value) Micros() int64     { return int64(v.n) }
func (v Value) Days() int64       { return int64(v.n) }
func (v Value) Unscaled() int64   { return int64(v.n) }
func (v Value) DecimalScale() int { return int(v.sc) }

// AsFloat converts any numeric value to float64 (0 for non-numeric).
func (v Value) AsFloat() float64 {
	switch v.kind {
	case KindDouble:
		return v.Float()
	case KindInt, KindBigInt, KindBoolean, KindTimestamp, KindTimestampLTZ, KindDate, KindInterval:
		return float64(int64(v.n))
	case KindDecimal:
		return float64(int64(v.n)) / math.Pow10(int(v.sc))
	case KindString, KindJSON:
		f, _ := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		return f
	}
	return 0
}

// Time returns a timestamp value as a UTC time.
func (v Value) Time() time.Time { return time.UnixMicro(int64(v.n)).UTC() }

// DecimalString formats a decimal value.
func (v Value) DecimalString() string { return FormatDecimal(int64(v.n), int(v.sc)) }

// FormatDecimal formats unscaled/10^scale exactly.
func FormatDecimal(unscaled int64, scale int) string {
	if scale <= 0 {
		return strconv.FormatInt(unscaled, 10)
	}
	neg := unscaled < 0
	u := uint64(unscaled)
	if neg {
		u = uint64(-unscaled)
	}
	digits := strconv.FormatUint(u, 10)
	for len(digits) <= scale {
		digits = "0" + digits
	}
	s := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

// TimestampLayout is how timestamps print: Flink SQL's SQL format with millis.
const TimestampLayout = "2006-01-02 15:04:05.000"

// String renders the value as SQL shows it in result tables (NULL as "NULL").
func (v Value) String() string {
	switch v.kind {
	case KindNull:
		return "NULL"
	case KindBoolean:
		if v.n != 0 {
			return "TRUE"
		}
		return "FALSE"
	case KindInt, KindBigInt:
		return strconv.FormatInt(int64(v.n), 10)
	case KindDouble:
		return FormatDouble(v.Float())
	case KindDecimal:
		return v.DecimalString()
	case KindString, KindJSON, KindBytes:
		return v.s
	case KindTimestamp:
		return v.Time().Format(TimestampLayout)
	case KindTimestampLTZ:
		return v.Time().Format(TimestampLayout) + "Z"
	case KindDate:
		return time.Unix(int64(v.n)*86400, 0).UTC().Format("2006-01-02")
	case KindInterval:
		return (time.Duration(int64(v.n)) * time.Microsecond).String()
	}
	return "?"
}

// FormatDouble prints a float the shortest way that reads back exactly.
func FormatDouble(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Equal reports SQL equality of two non-NULL values of comparable kinds
// (NULLs are equal to each other here; SQL three-valued logic is the
// caller's business).
func Equal(a, b Value) bool { return Compare(a, b) == 0 }

// Compare orders two values: NULL first, then numbers numerically, strings
// bytewise, times by instant. Values of unrelated kinds order by kind.
func Compare(a, b Value) int {
	if a.kind == KindNull || b.kind == KindNull {
		switch {
		case a.kind == b.kind:
			return 0
		case a.kind == KindNull:
			return -1
		default:
			return 1
		}
	}
	if a.kind == b.kind {
		switch a.kind {
		case KindInt, KindBigInt, KindTimestamp, KindTimestampLTZ, KindDate, KindInterval, KindBoolean:
			return cmpInt(int64(a.n), int64(b.n))
		case KindDouble:
			return cmpFloat(a.Float(), b.Float())
		case KindDecimal:
			if a.sc == b.sc {
				return cmpInt(int64(a.n), int64(b.n))
			}
			return cmpFloat(a.AsFloat(), b.AsFloat())
		default:
			return strings.Compare(a.s, b.s)
		}
	}
	if a.kind.IsNumeric() && b.kind.IsNumeric() {
		if (a.kind == KindInt || a.kind == KindBigInt) && (b.kind == KindInt || b.kind == KindBigInt) {
			return cmpInt(int64(a.n), int64(b.n))
		}
		return cmpFloat(a.AsFloat(), b.AsFloat())
	}
	if a.kind.IsTime() && b.kind.IsTime() {
		return cmpInt(int64(a.n), int64(b.n))
	}
	if isText(a.kind) && isText(b.kind) {
		return strings.Compare(a.s, b.s)
	}
	return cmpInt(int64(a.kind), int64(b.kind))
}

// Unordered reports whether a comparison of a and b is unordered in IEEE
// 754's sense: one of them is a DOUBLE NaN. Compare orders NaN equal to
// everything; SQL's comparison operators (as Flink's, Java's and Iceberg's
// row filters) make every comparison with NaN false but <>.
func Unordered(a, b Value) bool {
	return a.kind == KindDouble && math.IsNaN(a.Float()) || b.kind == KindDouble && math.IsNaN(b.Float())
}

func isText(k Kind) bool { return k == KindString || k == KindJSON || k == KindBytes }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

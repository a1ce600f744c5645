package udf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/tidwall/gjson"
)

// Cast converts v to type to, as SQL CAST does. NULL casts to NULL. It
// returns an error wrapping ErrConvert when the value does not convert
// ('abc' to INT, 300 to DECIMAL(2,0), an invalid date).
func Cast(v types.Value, to types.Type) (types.Value, error) {
	if v.IsNull() {
		return types.NullValue, nil
	}
	out, ok := cast(v, to)
	if !ok {
		return types.NullValue, castError(v, to)
	}
	return out, nil
}

// TryCast is Cast that returns NULL instead of an error.
func TryCast(v types.Value, to types.Type) types.Value {
	if v.IsNull() {
		return types.NullValue
	}
	out, ok := cast(v, to)
	if !ok {
		return types.NullValue
	}
	return out
}

func castError(v types.Value, to types.Type) error {
	s := v.String()
	if len(s) > 64 {
		s = s[:61] + "..."
	}
	return fmt.Errorf("%w: cannot cast %s %q to %s", ErrConvert, v.Kind(), s, to)
}

func cast(v types.Value, to types.Type) (types.Value, bool) {
	from := v.Kind()
	switch to.Kind {
	case types.KindNull:
		return types.NullValue, true
	case types.KindBoolean:
		b, ok := ToBool(v)
		return types.NewBool(b), ok
	case types.KindInt, types.KindBigInt:
		if from == types.KindDate {
			return types.NullValue, false
		}
		n, ok := ToInt64(v)
		if !ok {
			return types.NullValue, false
		}
		if to.Kind == types.KindInt {
			if n > math.MaxInt32 || n < math.MinInt32 {
				return types.NullValue, false
			}
			return types.NewInt(n), true
		}
		return types.NewBigInt(n), true
	case types.KindDouble:
		if from == types.KindDate {
			return types.NullValue, false
		}
		f, ok := ToFloat64(v)
		return types.NewDouble(f), ok
	case types.KindDecimal:
		u, ok := toDecimal(v, to.Scale)
		if !ok || !fitsPrecision(u, to.Precision) {
			return types.NullValue, false
		}
		return types.NewDecimal(u, to.Scale), true
	case types.KindString:
		s, _ := ToString(v)
		if to.Precision > 0 && utf8.RuneCountInString(s) > to.Precision {
			s = truncateRunes(s, to.Precision)
		}
		return types.NewString(s), true
	case types.KindBytes:
		s, _ := ToString(v)
		return types.NewBytes(s), true
	case types.KindTimestamp, types.KindTimestampLTZ:
		m, ok := ToMicros(v)
		if !ok {
			return types.NullValue, false
		}
		m = truncMicros(m, to.Precision)
		if to.Kind == types.KindTimestamp {
			return types.NewTimestamp(m), true
		}
		return types.NewTimestampLTZ(m), true
	case types.KindDate:
		if from.IsNumeric() || from == types.KindBoolean {
			return types.NullValue, false
		}
		d, ok := toDays(v)
		return types.NewDate(d), ok
	case types.KindJSON:
		return toJSON(v)
	case types.KindInterval:
		if from == types.KindInterval {
			return v, true
		}
	}
	return types.NullValue, false
}

// truncMicros truncates micros to prec fractional digits (TIMESTAMP(3)
// keeps milliseconds), towards the past as Flink does.
func truncMicros(m int64, prec int) int64 {
	if prec < 0 || prec >= 6 {
		return m
	}
	q, _ := floorDiv(m, pow10i[6-prec])
	return q * pow10i[6-prec]
}

func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func fitsPrecision(u int64, prec int) bool {
	if prec <= 0 || prec >= 19 {
		return true
	}
	return u < pow10i[prec] && u > -pow10i[prec]
}

// toDecimal converts v to an unscaled value at scale.
func toDecimal(v types.Value, scale int) (int64, bool) {
	switch v.Kind() {
	case types.KindDecimal:
		return rescale(v.Unscaled(), v.DecimalScale(), scale)
	case types.KindInt, types.KindBigInt:
		return rescale(v.Int(), 0, scale)
	case types.KindBoolean:
		return rescale(int64(b2i(v.Bool())), 0, scale)
	case types.KindString, types.KindBytes:
		return parseDecimal(v.Str(), scale)
	case types.KindJSON:
		r := gjson.Parse(v.Str())
		switch r.Type {
		case gjson.Number:
			return parseDecimal(r.Raw, scale)
		case gjson.String:
			return parseDecimal(r.Str, scale)
		}
		return 0, false
	}
	f, ok := ToFloat64(v)
	if !ok {
		return 0, false
	}
	m := math.Round(f * pow10f(scale))
	if math.IsNaN(m) || math.Abs(m) >= 9.2e18 {
		return 0, false
	}
	return int64(m), true
}

// parseDecimal parses decimal text exactly ('-12.345', '1e3' goes through
// float) to an unscaled value at scale, rounding half away from zero.
func parseDecimal(s string, scale int) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if strings.ContainsAny(s, "eE") {
		f, ok := parseFloat(s)
		if !ok {
			return 0, false
		}
		return toDecimal(types.NewDouble(f), scale)
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	intPart, fracPart, _ := strings.Cut(s, ".")
	if intPart == "" && fracPart == "" {
		return 0, false
	}
	var u int64
	digits := 0
	for _, part := range []string{intPart, fracPart} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
		}
	}
	for i := 0; i < len(intPart); i++ {
		if u > (math.MaxInt64-9)/10 {
			return 0, false
		}
		u = u*10 + int64(intPart[i]-'0')
	}
	// Keep scale+1 fraction digits, then round the last one away.
	keep := fracPart
	if len(keep) > scale+1 {
		keep = keep[:scale+1]
	}
	for i := 0; i < len(keep); i++ {
		if u > (math.MaxInt64-9)/10 {
			return 0, false
		}
		u = u*10 + int64(keep[i]-'0')
		digits++
	}
	if neg {
		u = -u
	}
	return rescale(u, digits, scale)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// toJSON makes a JSON value: strings must hold JSON text (compacted to the
// canonical form); other values become the JSON scalar they render as.
func toJSON(v types.Value) (types.Value, bool) {
	switch v.Kind() {
	case types.KindJSON:
		return v, true
	case types.KindString, types.KindBytes:
		s, ok := canonicalJSON(v.Str())
		if !ok {
			return types.NullValue, false
		}
		return types.NewJSON(s), true
	}
	return types.NewJSON(bytesString(types.AppendJSON(nil, v))), true
}

// canonicalJSON validates text and returns it compacted (no insignificant
// whitespace); already-compact text is returned without copying.
func canonicalJSON(text string) (string, bool) {
	if !gjson.Valid(text) {
		return "", false
	}
	if !needsCompact(text) {
		return text, true
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return "", false
	}
	return buf.String(), true
}

// needsCompact reports whether text has whitespace outside strings.
func needsCompact(text string) bool {
	in := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if in {
			switch c {
			case '\\':
				i++
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case ' ', '\t', '\n', '\r':
			return true
		}
	}
	return false
}

// formatFloat is the text of a double as SQL shows it.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

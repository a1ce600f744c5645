package udf

import (
	"math"
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/tidwall/gjson"
)

// The conversions below are the lenient, MySQL-style ones that functions,
// the binder and connectors share. The bool result is false for NULL and
// for a value that does not convert (a non-numeric string to a number);
// functions turn that into NULL rather than failing the row.
//
// Conventions (documented once here): booleans render as TRUE/FALSE;
// numbers read as timestamps are epoch seconds (as FROM_UNIXTIME and
// Flink's CAST(n AS TIMESTAMP_LTZ)); timestamps read as numbers are epoch
// seconds; the session time zone is UTC, so TIMESTAMP and TIMESTAMP_LTZ
// hold the same microseconds for the same wall clock.

const (
	microsPerSecond = 1_000_000
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// ToString renders v as text, as CONCAT and CAST(v AS VARCHAR) do.
func ToString(v types.Value) (string, bool) {
	switch v.Kind() {
	case types.KindNull:
		return "", false
	case types.KindString, types.KindJSON, types.KindBytes:
		return v.Str(), true
	case types.KindInt, types.KindBigInt:
		return strconv.FormatInt(v.Int(), 10), true
	}
	return string(appendText(nil, v)), true
}

// appendText appends v rendered as ToString does (nothing for NULL).
func appendText(buf []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindNull:
		return buf
	case types.KindString, types.KindJSON, types.KindBytes:
		return append(buf, v.Str()...)
	case types.KindInt, types.KindBigInt:
		return strconv.AppendInt(buf, v.Int(), 10)
	case types.KindBoolean:
		if v.Bool() {
			return append(buf, "TRUE"...)
		}
		return append(buf, "FALSE"...)
	case types.KindDouble:
		return strconv.AppendFloat(buf, v.Float(), 'g', -1, 64)
	case types.KindDecimal:
		return append(buf, v.DecimalString()...)
	case types.KindTimestamp, types.KindTimestampLTZ:
		return appendTimestamp(buf, v.Micros(), -1)
	case types.KindDate:
		return appendDate(buf, v.Days())
	}
	return append(buf, v.String()...)
}

// appendTimestamp writes micros as 'YYYY-MM-DD HH:MM:SS.fff'. prec is the
// number of fraction digits; -1 means 3, or 6 when there are sub-millis.
func appendTimestamp(buf []byte, micros int64, prec int) []byte {
	days, rem := floorDiv(micros, microsPerDay)
	buf = appendDate(buf, days)
	buf = append(buf, ' ')
	buf = append2(buf, int(rem/microsPerHour))
	buf = append(buf, ':')
	buf = append2(buf, int(rem/microsPerMinute%60))
	buf = append(buf, ':')
	buf = append2(buf, int(rem/microsPerSecond%60))
	frac := rem % microsPerSecond
	if prec < 0 {
		prec = 3
		if frac%1000 != 0 {
			prec = 6
		}
	}
	if prec > 0 {
		buf = append(buf, '.')
		var digits [6]byte
		f := frac
		for i := 5; i >= 0; i-- {
			digits[i] = byte('0' + f%10)
			f /= 10
		}
		buf = append(buf, digits[:min(prec, 6)]...)
	}
	return buf
}

func appendDate(buf []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y >= 0 && y <= 9999 {
		buf = append2(buf, int(y/100))
		buf = append2(buf, int(y%100))
	} else {
		buf = strconv.AppendInt(buf, y, 10)
	}
	buf = append(buf, '-')
	buf = append2(buf, m)
	buf = append(buf, '-')
	return append2(buf, d)
}

func append2(buf []byte, n int) []byte {
	return append(buf, byte('0'+n/10%10), byte('0'+n%10))
}

// ToInt64 converts v to an integer: decimals and doubles round half away
// from zero (MySQL), strings parse (integer or decimal text), booleans are
// 0/1, timestamps are epoch seconds.
func ToInt64(v types.Value) (int64, bool) {
	switch v.Kind() {
	case types.KindInt, types.KindBigInt:
		return v.Int(), true
	case types.KindBoolean:
		if v.Bool() {
			return 1, true
		}
		return 0, true
	case types.KindDouble:
		return floatToInt(v.Float())
	case types.KindDecimal:
		return rescale(v.Unscaled(), v.DecimalScale(), 0)
	case types.KindTimestamp, types.KindTimestampLTZ:
		s, _ := floorDiv(v.Micros(), microsPerSecond)
		return s, true
	case types.KindString, types.KindBytes:
		return parseInt(v.Str())
	case types.KindJSON:
		return jsonScalarInt(v.Str())
	}
	return 0, false
}

func floatToInt(f float64) (int64, bool) {
	r := math.Round(f)
	if math.IsNaN(r) || r >= 9.223372036854775807e18 || r < -9.223372036854775808e18 {
		return 0, false
	}
	return int64(r), true
}

func parseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, ok := parseFloat(s)
	if !ok {
		return 0, false
	}
	return floatToInt(f)
}

func parseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Reject Go-only syntax ("0x1p3", "Inf", "NaN", "1_000") is done by
		// ParseFloat failing; accept only what it parses.
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if l := strings.ToLower(s); strings.Contains(l, "inf") || strings.Contains(l, "nan") {
			return 0, false
		}
	}
	return f, true
}

func jsonScalarInt(text string) (int64, bool) {
	r := gjson.Parse(text)
	switch r.Type {
	case gjson.Number:
		if n, err := strconv.ParseInt(r.Raw, 10, 64); err == nil {
			return n, true
		}
		return floatToInt(r.Num)
	case gjson.True:
		return 1, true
	case gjson.False:
		return 0, true
	case gjson.String:
		return parseInt(r.Str)
	}
	return 0, false
}

// ToFloat64 converts v to a float: numbers, numeric strings, booleans,
// timestamps (epoch seconds with fraction).
func ToFloat64(v types.Value) (float64, bool) {
	switch v.Kind() {
	case types.KindDouble:
		return v.Float(), true
	case types.KindInt, types.KindBigInt:
		return float64(v.Int()), true
	case types.KindDecimal:
		return float64(v.Unscaled()) / pow10f(v.DecimalScale()), true
	case types.KindBoolean:
		if v.Bool() {
			return 1, true
		}
		return 0, true
	case types.KindTimestamp, types.KindTimestampLTZ:
		return float64(v.Micros()) / microsPerSecond, true
	case types.KindString, types.KindBytes:
		return parseFloat(v.Str())
	case types.KindJSON:
		r := gjson.Parse(v.Str())
		switch r.Type {
		case gjson.Number:
			return r.Num, true
		case gjson.True:
			return 1, true
		case gjson.False:
			return 0, true
		case gjson.String:
			return parseFloat(r.Str)
		}
	}
	return 0, false
}

// ToBool converts v to a boolean: numbers are true when non-zero; strings
// accept true/false, t/f, yes/no, y/n, on/off and numbers.
func ToBool(v types.Value) (bool, bool) {
	switch v.Kind() {
	case types.KindBoolean:
		return v.Bool(), true
	case types.KindInt, types.KindBigInt, types.KindDecimal:
		return v.Unscaled() != 0, true
	case types.KindDouble:
		return v.Float() != 0, true
	case types.KindString, types.KindBytes:
		return parseBool(v.Str())
	case types.KindJSON:
		r := gjson.Parse(v.Str())
		switch r.Type {
		case gjson.True:
			return true, true
		case gjson.False:
			return false, true
		case gjson.Number:
			return r.Num != 0, true
		case gjson.String:
			return parseBool(r.Str)
		}
	}
	return false, false
}

func parseBool(s string) (bool, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0":
		return false, true
	}
	if f, ok := parseFloat(s); ok {
		return f != 0, true
	}
	return false, false
}

// ToMicros converts v to microseconds since the epoch: timestamps as they
// are, dates at midnight, strings in SQL or ISO-8601 form (see
// ParseTimestamp), numbers as epoch seconds.
func ToMicros(v types.Value) (int64, bool) {
	switch v.Kind() {
	case types.KindTimestamp, types.KindTimestampLTZ:
		return v.Micros(), true
	case types.KindDate:
		return v.Days() * microsPerDay, true
	case types.KindString, types.KindBytes:
		return ParseTimestamp(v.Str())
	case types.KindInt, types.KindBigInt:
		n := v.Int()
		if n > math.MaxInt64/microsPerSecond || n < math.MinInt64/microsPerSecond {
			return 0, false
		}
		return n * microsPerSecond, true
	case types.KindDouble, types.KindDecimal:
		f, _ := ToFloat64(v)
		m := math.Round(f * microsPerSecond)
		if math.IsNaN(m) || math.Abs(m) > 9e18 {
			return 0, false
		}
		return int64(m), true
	case types.KindJSON:
		r := gjson.Parse(v.Str())
		switch r.Type {
		case gjson.String:
			return ParseTimestamp(r.Str)
		case gjson.Number:
			return ToMicros(types.NewDouble(r.Num))
		}
	}
	return 0, false
}

// toDays converts v to days since the epoch (the date part of a timestamp).
func toDays(v types.Value) (int64, bool) {
	if v.Kind() == types.KindDate {
		return v.Days(), true
	}
	m, ok := ToMicros(v)
	if !ok {
		return 0, false
	}
	d, _ := floorDiv(m, microsPerDay)
	return d, true
}

// ParseTimestamp parses 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.fraction]]'
// and ISO-8601 ('2024-01-01T10:00:00.5Z', with an offset such as +02:00 or
// +0200, which converts to UTC). Month, day and time fields may have one
// digit, as MySQL allows.
func ParseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	p := tsParser{s: s}
	year, ok := p.num(4, 4)
	if !ok || !p.lit('-') {
		return 0, false
	}
	month, ok1 := p.num(1, 2)
	if !ok1 || !p.lit('-') {
		return 0, false
	}
	day, ok2 := p.num(1, 2)
	if !ok2 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) {
		return 0, false
	}
	micros := daysFromCivil(year, month, day) * microsPerDay
	if p.done() {
		return micros, true
	}
	if !p.lit(' ') && !p.lit('T') {
		return 0, false
	}
	for p.lit(' ') {
	}
	hour, ok := p.num(1, 2)
	if !ok || hour > 23 || !p.lit(':') {
		return 0, false
	}
	minute, ok := p.num(1, 2)
	if !ok || minute > 59 {
		return 0, false
	}
	var sec, frac int64
	if p.lit(':') {
		if sec, ok = p.num(1, 2); !ok || sec > 59 {
			return 0, false
		}
		if p.lit('.') {
			start := p.i
			n, ok := p.num(1, 9)
			if !ok {
				return 0, false
			}
			digits := p.i - start
			for ; digits < 6; digits++ {
				n *= 10
			}
			for ; digits > 6; digits-- {
				n /= 10
			}
			frac = n
		}
	}
	micros += hour*microsPerHour + minute*microsPerMinute + sec*microsPerSecond + frac
	if p.done() {
		return micros, true
	}
	// Zone: Z, or ±HH[:MM] / ±HHMM.
	if p.lit('Z') || p.lit('z') {
		return micros, p.done()
	}
	sign := int64(1)
	switch {
	case p.lit('+'):
	case p.lit('-'):
		sign = -1
	default:
		return 0, false
	}
	oh, ok := p.num(2, 2)
	if !ok || oh > 23 {
		return 0, false
	}
	var om int64
	p.lit(':')
	if !p.done() {
		if om, ok = p.num(2, 2); !ok || om > 59 {
			return 0, false
		}
	}
	if !p.done() {
		return 0, false
	}
	return micros - sign*(oh*microsPerHour+om*microsPerMinute), true
}

type tsParser struct {
	s string
	i int
}

func (p *tsParser) done() bool { return p.i == len(p.s) }

func (p *tsParser) lit(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// num reads minDigits..maxDigits decimal digits.
func (p *tsParser) num(minDigits, maxDigits int) (int64, bool) {
	var n int64
	start := p.i
	for p.i < len(p.s) && p.i-start < maxDigits && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + int64(p.s[p.i]-'0')
		p.i++
	}
	return n, p.i-start >= minDigits
}

// floorDiv divides rounding towards negative infinity, so times before
// 1970 split into a day and a non-negative time of day.
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// daysFromCivil is Howard Hinnant's algorithm: days since 1970-01-01 of a
// proleptic Gregorian date.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var pow10i = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

func pow10f(n int) float64 {
	if n >= 0 && n < len(pow10i) {
		return float64(pow10i[n])
	}
	return math.Pow10(n)
}

// rescale changes a decimal's scale, rounding half away from zero when
// digits are dropped; false on overflow.
func rescale(unscaled int64, from, to int) (int64, bool) {
	switch {
	case from == to:
		return unscaled, true
	case to > from:
		d := to - from
		if d >= len(pow10i) {
			return 0, unscaled == 0
		}
		p := pow10i[d]
		if unscaled > math.MaxInt64/p || unscaled < math.MinInt64/p {
			return 0, false
		}
		return unscaled * p, true
	default:
		d := from - to
		if d >= len(pow10i) {
			return 0, true
		}
		p := pow10i[d]
		q, r := unscaled/p, unscaled%p
		if r >= (p+1)/2 {
			q++
		} else if -r >= (p+1)/2 {
			q--
		}
		return q, true
	}
}

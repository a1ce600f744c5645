package format

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
)

// errConvert is the detail-less failure of a text conversion; callers turn it
// into a *DecodeError that names the field and offset.
var errConvert = errors.New("cannot convert")

// ParseText converts the text of a field to a value of type t with the rules
// that JSON strings and CSV fields share: numbers as decimal text, booleans
// as true/false, timestamps as 'yyyy-MM-dd HH:mm:ss[.SSS]', ISO-8601 or epoch
// millis, dates as 'yyyy-MM-dd', bytes as base64. The error says what was
// expected; it does not name the field (the caller knows it).
func ParseText(t types.Type, s string) (types.Value, error) {
	switch t.Kind {
	case types.KindString:
		return types.NewString(s), nil
	case types.KindJSON:
		return types.NewJSON(s), nil
	case types.KindBytes:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return types.Value{}, typeErr(s, t)
		}
		return types.NewBytes(string(b)), nil
	case types.KindBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			return types.NewBool(true), nil
		case strings.EqualFold(s, "false"):
			return types.NewBool(false), nil
		}
		return types.Value{}, typeErr(s, t)
	case types.KindInt, types.KindBigInt:
		n, ok := parseIntText(strings.TrimSpace(s))
		if !ok || (t.Kind == types.KindInt && (n < math.MinInt32 || n > math.MaxInt32)) {
			return types.Value{}, typeErr(s, t)
		}
		if t.Kind == types.KindInt {
			return types.NewInt(n), nil
		}
		return types.NewBigInt(n), nil
	case types.KindDouble:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return types.Value{}, typeErr(s, t)
		}
		return types.NewDouble(f), nil
	case types.KindDecimal:
		u, ok := parseDecimal(strings.TrimSpace(s), t.Precision, t.Scale)
		if !ok {
			return types.Value{}, typeErr(s, t)
		}
		return types.NewDecimal(u, t.Scale), nil
	case types.KindTimestamp, types.KindTimestampLTZ:
		micros, ok := parseTimestamp(strings.TrimSpace(s))
		if !ok {
			return types.Value{}, typeErr(s, t)
		}
		if t.Kind == types.KindTimestamp {
			return types.NewTimestamp(micros), nil
		}
		return types.NewTimestampLTZ(micros), nil
	case types.KindDate:
		days, ok := parseDate(strings.TrimSpace(s))
		if !ok {
			return types.Value{}, typeErr(s, t)
		}
		return types.NewDate(days), nil
	}
	return types.Value{}, typeErr(s, t)
}

type convertError struct{ msg string }

func (e *convertError) Error() string { return e.msg }
func (e *convertError) Unwrap() error { return errConvert }

func typeErr(s string, t types.Type) error {
	return &convertError{msg: quoteSnippet(s) + " is not a valid " + t.Nullable().String()}
}

// parseIntText parses a decimal integer; an integral value written with a
// fraction or exponent ("3.0", "1e3") is accepted, as JSON writers produce them.
func parseIntText(s string) (int64, bool) {
	if n, ok := parseInt(s); ok {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// parseInt parses an optionally signed run of decimal digits without
// allocating, rejecting overflow.
func parseInt(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	i := 0
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
		if len(s) == 1 {
			return 0, false
		}
	}
	var u uint64
	for ; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c)
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseDecimal parses decimal text (with optional exponent) into an unscaled
// value at scale, rounding half away from zero, and checks that the result
// fits precision digits.
func parseDecimal(s string, precision, scale int) (int64, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return 0, false
		}
		mant, exp = s[:i], e
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" && frac == "" {
		return 0, false
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	// value = digits * 10^(exp-len(frac)); unscaled = value * 10^scale.
	shift := exp - len(frac) + scale
	digits = strings.TrimLeft(digits, "0")
	roundUp := false
	if shift < 0 {
		drop := -shift
		if drop > len(digits) {
			digits = ""
		} else {
			roundUp = digits[len(digits)-drop] >= '5'
			digits = digits[:len(digits)-drop]
		}
		shift = 0
	}
	if len(digits)+shift > 18 {
		return 0, false
	}
	var u int64
	for i := 0; i < len(digits); i++ {
		u = u*10 + int64(digits[i]-'0')
	}
	for ; shift > 0; shift-- {
		u *= 10
	}
	if roundUp {
		u++
	}
	if precision > 0 && u >= pow10(precision) {
		return 0, false
	}
	if neg {
		u = -u
	}
	return u, true
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0 && p <= math.MaxInt64/10; n-- {
		p *= 10
	}
	return p
}

// parseDate parses 'yyyy-MM-dd' into days since the epoch.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 {
		return 0, false
	}
	y, m, d, ok := parseYMD(s)
	if !ok {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func parseYMD(s string) (y, m, d int, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digitsN(s[0:4])
	m, ok2 := digitsN(s[5:7])
	d, ok3 := digitsN(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func digitsN(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, len(s) > 0
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's days_from_civil: days since 1970-01-01
// of a proleptic Gregorian date, without time.Time's cost.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseTimestamp parses a timestamp into microseconds since the epoch:
// 'yyyy-MM-dd[( |T)HH:mm[:ss[.fffffffff]]][Z|±HH[:mm]]' or epoch millis as a
// run of digits. A zone offset converts the time to UTC.
func parseTimestamp(s string) (int64, bool) {
	if n, ok := parseInt(s); ok {
		return n * 1000, true
	}
	y, mo, d, ok := parseYMD(s)
	if !ok {
		return 0, false
	}
	micros := daysFromCivil(y, mo, d) * 86_400_000_000
	if len(s) == 10 {
		return micros, true
	}
	if s[10] != ' ' && s[10] != 'T' && s[10] != 't' || len(s) < 16 || s[13] != ':' {
		return 0, false
	}
	h, ok1 := digitsN(s[11:13])
	mi, ok2 := digitsN(s[14:16])
	if !ok1 || !ok2 || h > 23 || mi > 59 {
		return 0, false
	}
	sec, i := 0, 16
	if i < len(s) && s[i] == ':' {
		if len(s) < 19 {
			return 0, false
		}
		var ok3 bool
		sec, ok3 = digitsN(s[17:19])
		if !ok3 || sec > 59 {
			return 0, false
		}
		i = 19
	}
	frac := int64(0)
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		scale := int64(100_000)
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			frac += int64(s[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return 0, false
		}
	}
	micros += (int64(h)*3600+int64(mi)*60+int64(sec))*1_000_000 + frac
	if i == len(s) {
		return micros, true
	}
	switch s[i] {
	case 'Z', 'z':
		return micros, i+1 == len(s)
	case '+', '-':
		sign := int64(1)
		if s[i] == '-' {
			sign = -1
		}
		z := strings.Replace(s[i+1:], ":", "", 1)
		if len(z) != 2 && len(z) != 4 {
			return 0, false
		}
		oh, ok1 := digitsN(z[:2])
		om := 0
		ok2 := true
		if len(z) == 4 {
			om, ok2 = digitsN(z[2:])
		}
		if !ok1 || !ok2 || oh > 18 || om > 59 {
			return 0, false
		}
		return micros - sign*int64(oh*3600+om*60)*1_000_000, true
	}
	return 0, false
}

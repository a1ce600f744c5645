package udf

import (
	"strconv"
	"strings"
)

// A timestamp format is compiled once into pieces: either MySQL's
// DATE_FORMAT specifiers ('%Y-%m-%d %H:%i:%s') or, when the format has no
// '%', Java DateTimeFormatter letters ('yyyy-MM-dd HH:mm:ss', as Flink's
// DATE_FORMAT and TO_TIMESTAMP use).

type fmtPiece struct {
	lit  string // literal text, when spec is 0
	spec byte   // a MySQL specifier letter, or one of the Java ones below
	n    int    // Java: the letter count (fraction digits for 'S')
}

// Java letters map to internal specs that do not clash with MySQL's.
const (
	jYear   = 'Y' // n=2: two digits
	jMonth  = '1' // n: 1-2 numeric, 3 short name, 4 full name
	jDay    = '2'
	jHour24 = '3'
	jHour12 = '4'
	jMinute = '5'
	jSecond = '6'
	jFrac   = '7'
	jAmPm   = '8'
	jDow    = '9' // n: <4 short, 4 full
	jDoy    = '0'
	jZone   = 'z'
)

type tsFormat []fmtPiece

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

func compileFormat(f string) (tsFormat, error) {
	if strings.IndexByte(f, '%') >= 0 {
		return compileMySQLFormat(f), nil
	}
	return compileJavaFormat(f)
}

func compileMySQLFormat(f string) tsFormat {
	var out tsFormat
	var lit []byte
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			lit = append(lit, f[i])
			continue
		}
		i++
		c := f[i]
		if strings.IndexByte("abcDdefHhIijklMmprSsTUuVvWwXxYy", c) < 0 {
			lit = append(lit, c) // '%%' and unknown specifiers print the letter
			continue
		}
		if len(lit) > 0 {
			out = append(out, fmtPiece{lit: string(lit)})
			lit = nil
		}
		out = append(out, fmtPiece{spec: c})
	}
	if len(lit) > 0 {
		out = append(out, fmtPiece{lit: string(lit)})
	}
	return out
}

func compileJavaFormat(f string) (tsFormat, error) {
	var out tsFormat
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			out = append(out, fmtPiece{lit: string(lit)})
			lit = nil
		}
	}
	for i := 0; i < len(f); {
		c := f[i]
		if c == '\'' {
			// Quoted literal; '' is a quote.
			j := i + 1
			if j < len(f) && f[j] == '\'' {
				lit = append(lit, '\'')
				i += 2
				continue
			}
			for j < len(f) {
				if f[j] == '\'' {
					if j+1 < len(f) && f[j+1] == '\'' {
						lit = append(lit, '\'')
						j += 2
						continue
					}
					break
				}
				lit = append(lit, f[j])
				j++
			}
			i = j + 1
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			lit = append(lit, c)
			i++
			continue
		}
		n := 1
		for i+n < len(f) && f[i+n] == c {
			n++
		}
		var spec byte
		switch c {
		case 'y', 'u':
			spec = jYear
		case 'M', 'L':
			spec = jMonth
		case 'd':
			spec = jDay
		case 'H':
			spec = jHour24
		case 'h':
			spec = jHour12
		case 'm':
			spec = jMinute
		case 's':
			spec = jSecond
		case 'S':
			spec = jFrac
		case 'a':
			spec = jAmPm
		case 'E':
			spec = jDow
		case 'D':
			spec = jDoy
		case 'X', 'x', 'Z':
			spec = jZone
		default:
			return nil, funcErr("format", ErrArgValue, "letter %q in %q is not supported: use y M d H h m s S a E D X", string(c), f)
		}
		flush()
		out = append(out, fmtPiece{spec: spec, n: n})
		i += n
	}
	flush()
	return out, nil
}

func appendPad(buf []byte, n int64, width int) []byte {
	if n < 0 {
		buf = append(buf, '-')
		n = -n
	}
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for k := len(s); k < width; k++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

func hour12(h int) int64 {
	h %= 12
	if h == 0 {
		return 12
	}
	return int64(h)
}

func ordinalSuffix(d int) string {
	if d/10%10 == 1 {
		return "th"
	}
	switch d % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

func (f tsFormat) append(buf []byte, c civil) []byte {
	for _, p := range f {
		if p.spec == 0 {
			buf = append(buf, p.lit...)
			continue
		}
		switch p.spec {
		// MySQL specifiers.
		case 'a':
			buf = append(buf, dayNames[weekdayMon(c.days)][:3]...)
		case 'b':
			buf = append(buf, monthNames[c.month-1][:3]...)
		case 'c':
			buf = strconv.AppendInt(buf, int64(c.month), 10)
		case 'D':
			buf = strconv.AppendInt(buf, int64(c.day), 10)
			buf = append(buf, ordinalSuffix(c.day)...)
		case 'd':
			buf = appendPad(buf, int64(c.day), 2)
		case 'e':
			buf = strconv.AppendInt(buf, int64(c.day), 10)
		case 'f':
			buf = appendPad(buf, int64(c.micro), 6)
		case 'H':
			buf = appendPad(buf, int64(c.hour), 2)
		case 'h', 'I':
			buf = appendPad(buf, hour12(c.hour), 2)
		case 'i':
			buf = appendPad(buf, int64(c.min), 2)
		case 'j':
			buf = appendPad(buf, c.dayOfYear(), 3)
		case 'k':
			buf = strconv.AppendInt(buf, int64(c.hour), 10)
		case 'l':
			buf = strconv.AppendInt(buf, hour12(c.hour), 10)
		case 'M':
			buf = append(buf, monthNames[c.month-1]...)
		case 'm':
			buf = appendPad(buf, int64(c.month), 2)
		case 'p':
			buf = append(buf, ampm(c.hour)...)
		case 'r':
			buf = appendPad(buf, hour12(c.hour), 2)
			buf = append(buf, ':')
			buf = appendPad(buf, int64(c.min), 2)
			buf = append(buf, ':')
			buf = appendPad(buf, int64(c.sec), 2)
			buf = append(buf, ' ')
			buf = append(buf, ampm(c.hour)...)
		case 'S', 's':
			buf = appendPad(buf, int64(c.sec), 2)
		case 'T':
			buf = appendPad(buf, int64(c.hour), 2)
			buf = append(buf, ':')
			buf = appendPad(buf, int64(c.min), 2)
			buf = append(buf, ':')
			buf = appendPad(buf, int64(c.sec), 2)
		case 'U', 'u', 'V', 'v':
			w, _ := mysqlWeek(c, strings.IndexByte("UuVv", p.spec))
			buf = appendPad(buf, w, 2)
		case 'W':
			buf = append(buf, dayNames[weekdayMon(c.days)]...)
		case 'w':
			buf = strconv.AppendInt(buf, weekdaySun(c.days), 10)
		case 'X', 'x':
			mode := 2
			if p.spec == 'x' {
				mode = 3
			}
			_, y := mysqlWeek(c, mode)
			buf = appendPad(buf, y, 4)
		case 'Y':
			if p.n == 2 {
				buf = appendPad(buf, c.year%100, 2)
			} else {
				buf = appendPad(buf, c.year, max(4, p.n))
			}
		case 'y':
			buf = appendPad(buf, c.year%100, 2)
		// Java letters.
		case jMonth:
			switch {
			case p.n >= 4:
				buf = append(buf, monthNames[c.month-1]...)
			case p.n == 3:
				buf = append(buf, monthNames[c.month-1][:3]...)
			default:
				buf = appendPad(buf, int64(c.month), p.n)
			}
		case jDay:
			buf = appendPad(buf, int64(c.day), p.n)
		case jHour24:
			buf = appendPad(buf, int64(c.hour), p.n)
		case jHour12:
			buf = appendPad(buf, hour12(c.hour), p.n)
		case jMinute:
			buf = appendPad(buf, int64(c.min), p.n)
		case jSecond:
			buf = appendPad(buf, int64(c.sec), p.n)
		case jFrac:
			var d [9]byte
			us := c.micro * 1000 // nanos
			for k := 8; k >= 0; k-- {
				d[k] = byte('0' + us%10)
				us /= 10
			}
			buf = append(buf, d[:min(p.n, 9)]...)
		case jAmPm:
			buf = append(buf, ampm(c.hour)...)
		case jDow:
			if p.n >= 4 {
				buf = append(buf, dayNames[weekdayMon(c.days)]...)
			} else {
				buf = append(buf, dayNames[weekdayMon(c.days)][:3]...)
			}
		case jDoy:
			buf = appendPad(buf, c.dayOfYear(), p.n)
		case jZone:
			buf = append(buf, 'Z')
		}
	}
	return buf
}

func ampm(h int) string {
	if h < 12 {
		return "AM"
	}
	return "PM"
}

// parse reads s in a Java-style format (TO_TIMESTAMP(str, fmt)); missing
// fields default to 1970-01-01 00:00:00. ok is false when s does not fit.
func (f tsFormat) parse(s string) (int64, bool) {
	year, month, day := int64(1970), int64(1), int64(1)
	var hour, minute, sec, frac, zoneOff int64
	pm, has12 := false, false
	i := 0
	num := func(maxDigits int) (int64, bool) {
		start := i
		var n int64
		for i < len(s) && i-start < maxDigits && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int64(s[i]-'0')
			i++
		}
		return n, i > start
	}
	for k, p := range f {
		// A numeric field followed directly by another takes exactly its
		// width ('yyyyMMdd'); otherwise it takes what digits there are.
		width := 9
		if k+1 < len(f) && f[k+1].spec != 0 && p.n > 0 {
			width = p.n
		}
		var ok bool
		switch p.spec {
		case 0:
			if !strings.HasPrefix(s[i:], p.lit) {
				return 0, false
			}
			i += len(p.lit)
			continue
		case jYear:
			year, ok = num(max(width, 4))
			if ok && p.n == 2 {
				year += 2000
			}
		case jMonth:
			if p.n >= 3 {
				ok = false
				for mi, name := range monthNames {
					for _, cand := range []string{name, name[:3]} {
						if len(s)-i >= len(cand) && strings.EqualFold(s[i:i+len(cand)], cand) {
							month, ok = int64(mi+1), true
							i += len(cand)
							break
						}
					}
					if ok {
						break
					}
				}
			} else {
				month, ok = num(min(width, 2))
			}
		case jDay:
			day, ok = num(min(width, 2))
		case jHour24:
			hour, ok = num(min(width, 2))
		case jHour12:
			hour, ok = num(min(width, 2))
			has12 = true
		case jMinute:
			minute, ok = num(min(width, 2))
		case jSecond:
			sec, ok = num(min(width, 2))
		case jFrac:
			start := i
			frac, ok = num(min(width, 9))
			for d := i - start; d < 6; d++ {
				frac *= 10
			}
			for d := i - start; d > 6; d-- {
				frac /= 10
			}
		case jAmPm:
			if len(s)-i >= 2 {
				switch strings.ToUpper(s[i : i+2]) {
				case "AM":
					ok = true
				case "PM":
					ok, pm = true, true
				}
				i += 2
			}
		case jZone:
			if i < len(s) && (s[i] == 'Z' || s[i] == 'z') {
				i++
				ok = true
				break
			}
			if i < len(s) && (s[i] == '+' || s[i] == '-') {
				sign := int64(1)
				if s[i] == '-' {
					sign = -1
				}
				i++
				var h, m int64
				if h, ok = num(2); ok {
					if i < len(s) && s[i] == ':' {
						i++
					}
					m, _ = num(2)
					zoneOff = sign * (h*microsPerHour + m*microsPerMinute)
				}
			}
		default:
			ok = false
		}
		if !ok {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	if has12 {
		if hour < 1 || hour > 12 {
			return 0, false
		}
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	return daysFromCivil(year, month, day)*microsPerDay + hour*microsPerHour + minute*microsPerMinute +
		sec*microsPerSecond + frac - zoneOff, true
}

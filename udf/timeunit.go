package udf

import (
	"math"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
)

// civil is a timestamp broken into calendar fields (UTC: the session time
// zone is UTC for now, so TIMESTAMP_LTZ values are shown in UTC too).
type civil struct {
	year           int64
	month, day     int
	hour, min, sec int
	micro          int
	days           int64 // days since the epoch
	timeOfDay      int64 // micros since midnight
}

func splitMicros(m int64) civil {
	days, tod := floorDiv(m, microsPerDay)
	y, mo, d := civilFromDays(days)
	return civil{
		year: y, month: mo, day: d,
		hour: int(tod / microsPerHour), min: int(tod / microsPerMinute % 60),
		sec: int(tod / microsPerSecond % 60), micro: int(tod % microsPerSecond),
		days: days, timeOfDay: tod,
	}
}

func mod7(n int64) int64 { _, r := floorDiv(n, 7); return r }

// weekdayMon is 0 for Monday .. 6 for Sunday (1970-01-01 was a Thursday).
func weekdayMon(days int64) int64 { return mod7(days + 3) }

// weekdaySun is 0 for Sunday .. 6 for Saturday.
func weekdaySun(days int64) int64 { return mod7(days + 4) }

func daysInYear(y int64) int64 {
	if isLeap(y) {
		return 366
	}
	return 365
}

func (c civil) dayOfYear() int64 { return c.days - daysFromCivil(c.year, 1, 1) + 1 }

// mysqlWeek is MySQL's calc_week for WEEK(date, mode) and the %U %u %V %v
// %X %x formats: it returns the week number and the year it belongs to.
func mysqlWeek(c civil, mode int) (int64, int64) {
	behaviour := mode & 7
	if behaviour&1 == 0 {
		behaviour ^= 4
	}
	mondayFirst := behaviour&1 != 0
	weekYear := behaviour&2 != 0
	firstWeekday := behaviour&4 != 0

	firstDaynr := daysFromCivil(c.year, 1, 1)
	weekday := weekdayMon(firstDaynr)
	if !mondayFirst {
		weekday = weekdaySun(firstDaynr)
	}
	year := c.year
	if c.month == 1 && int64(c.day) <= 7-weekday {
		if !weekYear && ((firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4)) {
			return 0, year
		}
		weekYear = true
		year--
		n := daysInYear(year)
		firstDaynr -= n
		weekday = (weekday + 53*7 - n) % 7
	}
	var days int64
	if (firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4) {
		days = c.days - (firstDaynr + (7 - weekday))
	} else {
		days = c.days - (firstDaynr - weekday)
	}
	if weekYear && days >= 52*7 {
		weekday = (weekday + daysInYear(year)) % 7
		if (!firstWeekday && weekday < 4) || (firstWeekday && weekday == 0) {
			return 1, year + 1
		}
	}
	return days/7 + 1, year
}

// addMonths adds months to a timestamp, clamping the day to the end of the
// target month (2024-01-31 + 1 MONTH = 2024-02-29), as MySQL does.
func addMonths(m int64, months int64) int64 {
	if months == 0 {
		return m
	}
	c := splitMicros(m)
	total := c.year*12 + int64(c.month-1) + months
	y, mo := floorDiv(total, 12)
	mo++
	d := min(int64(c.day), daysInMonth(y, mo))
	return daysFromCivil(y, mo, d)*microsPerDay + c.timeOfDay
}

// monthsBetween is TIMESTAMPDIFF(MONTH, a, b): whole months from a to b.
func monthsBetween(a, b int64) int64 {
	ca, cb := splitMicros(a), splitMicros(b)
	months := (cb.year-ca.year)*12 + int64(cb.month-ca.month)
	ra := int64(ca.day)*microsPerDay + ca.timeOfDay
	rb := int64(cb.day)*microsPerDay + cb.timeOfDay
	if months > 0 && rb < ra {
		months--
	} else if months < 0 && rb > ra {
		months++
	}
	return months
}

// timeUnit is a TiDB/MySQL interval unit as the binder passes it.
type timeUnit struct {
	name string
	// parts lists the simple units of a compound unit, most significant
	// first ('DAY_HOUR' is DAY, HOUR); a simple unit is its own one part.
	parts []string
}

var simpleUnitMicros = map[string]int64{
	"MICROSECOND": 1, "SECOND": microsPerSecond, "MINUTE": microsPerMinute,
	"HOUR": microsPerHour, "DAY": microsPerDay, "WEEK": 7 * microsPerDay,
}

var simpleUnitMonths = map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}

var compoundUnits = map[string][]string{
	"SECOND_MICROSECOND": {"SECOND", "MICROSECOND"},
	"MINUTE_MICROSECOND": {"MINUTE", "SECOND", "MICROSECOND"},
	"MINUTE_SECOND":      {"MINUTE", "SECOND"},
	"HOUR_MICROSECOND":   {"HOUR", "MINUTE", "SECOND", "MICROSECOND"},
	"HOUR_SECOND":        {"HOUR", "MINUTE", "SECOND"},
	"HOUR_MINUTE":        {"HOUR", "MINUTE"},
	"DAY_MICROSECOND":    {"DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND"},
	"DAY_SECOND":         {"DAY", "HOUR", "MINUTE", "SECOND"},
	"DAY_MINUTE":         {"DAY", "HOUR", "MINUTE"},
	"DAY_HOUR":           {"DAY", "HOUR"},
	"YEAR_MONTH":         {"YEAR", "MONTH"},
}

const unitList = "MICROSECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, or a compound unit such as DAY_HOUR"

// bindUnit reads the constant unit argument i.
func bindUnit(name string, args []Arg, i int, allowCompound bool) (timeUnit, error) {
	u, err := constKeyword(name, args, i, "time unit")
	if err != nil {
		return timeUnit{}, err
	}
	u = strings.TrimPrefix(u, "SQL_TSI_") // ODBC spellings TIMESTAMPADD accepts
	if _, ok := simpleUnitMicros[u]; ok {
		return timeUnit{name: u, parts: []string{u}}, nil
	}
	if _, ok := simpleUnitMonths[u]; ok {
		return timeUnit{name: u, parts: []string{u}}, nil
	}
	if parts, ok := compoundUnits[u]; ok {
		if !allowCompound {
			return timeUnit{}, funcErr(name, ErrArgValue, "does not support the compound unit %s", u)
		}
		return timeUnit{name: u, parts: parts}, nil
	}
	return timeUnit{}, funcErr(name, ErrArgValue, "unknown time unit %q: use %s", u, unitList)
}

func (u timeUnit) hasTime() bool {
	for _, p := range u.parts {
		if simpleUnitMicros[p] != 0 && p != "DAY" && p != "WEEK" {
			return true
		}
	}
	return false
}

func (u timeUnit) hasMicros() bool { return u.parts[len(u.parts)-1] == "MICROSECOND" }

// interval reads an interval amount in unit u: months and microseconds.
// Simple units take a number ('5', 5, 1.5 for seconds); compound units a
// string of numbers ('1 2' DAY_HOUR, '1:30' MINUTE_SECOND, '-1 2' is
// negative as a whole; missing leading parts are zero, as in MySQL).
func (u timeUnit) interval(v types.Value) (months, micros int64, ok bool) {
	if v.Kind() == types.KindInterval {
		return 0, v.Micros(), true
	}
	if len(u.parts) == 1 {
		if m := simpleUnitMonths[u.name]; m != 0 {
			n, ok := ToInt64(v)
			return n * m, 0, ok
		}
		per := simpleUnitMicros[u.name]
		f, ok := ToFloat64(v)
		if !ok {
			return 0, 0, false
		}
		if per != microsPerSecond {
			f = math.Round(f)
		}
		r := f * float64(per)
		if math.Abs(r) > 9e18 {
			return 0, 0, false
		}
		return 0, int64(math.Round(r)), true
	}
	s, _ := ToString(v)
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var nums []int64
	var fracDigits []int // digits of each number, for a trailing microsecond fraction
	lastSep := byte(0)
	seps := []byte{}
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			lastSep = s[i]
			i++
			continue
		}
		j := i
		var n int64
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if n > math.MaxInt64/10-10 {
				return 0, 0, false
			}
			n = n*10 + int64(s[j]-'0')
			j++
		}
		nums = append(nums, n)
		fracDigits = append(fracDigits, j-i)
		seps = append(seps, lastSep)
		i = j
	}
	if len(nums) == 0 || len(nums) > len(u.parts) {
		return 0, 0, false
	}
	// Right-align the numbers with the parts.
	off := len(u.parts) - len(nums)
	for k, n := range nums {
		part := u.parts[off+k]
		if part == "MICROSECOND" && seps[k] == '.' {
			for d := fracDigits[k]; d < 6; d++ {
				n *= 10
			}
		}
		if m := simpleUnitMonths[part]; m != 0 {
			months += n * m
		} else {
			micros += n * simpleUnitMicros[part]
		}
	}
	if neg {
		months, micros = -months, -micros
	}
	return months, micros, true
}

// extractUnit is EXTRACT(unit FROM ts) on the civil fields; compound units
// concatenate their fields' digits as MySQL does (DAY_MINUTE of
// 2019-07-02 01:02:03 is 20102).
func extractUnit(u timeUnit, c civil) int64 {
	field := func(p string) (int64, int64) { // value, its width multiplier
		switch p {
		case "YEAR":
			return c.year, 10000
		case "QUARTER":
			return int64((c.month-1)/3 + 1), 10
		case "MONTH":
			return int64(c.month), 100
		case "WEEK":
			w, _ := mysqlWeek(c, 0)
			return w, 100
		case "DAY":
			return int64(c.day), 100
		case "HOUR":
			return int64(c.hour), 100
		case "MINUTE":
			return int64(c.min), 100
		case "SECOND":
			return int64(c.sec), 100
		case "MICROSECOND":
			return int64(c.micro), 1000000
		}
		return 0, 1
	}
	var out int64
	for _, p := range u.parts {
		v, w := field(p)
		out = out*w + v
	}
	return out
}

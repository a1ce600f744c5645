package udf

import (
	"time"

	"github.com/chatsql/chatsql/runtime/types"
)

// nowMicros is the wall clock; tests replace it.
var nowMicros = func() int64 { return time.Now().UnixMicro() }

func nowMillis() int64 { return truncMicros(nowMicros(), 3) }

// civilArg breaks a time argument into fields; ok is false for values that
// do not read as a time.
func civilArg(v types.Value) (civil, bool) {
	m, ok := ToMicros(v)
	if !ok {
		return civil{}, false
	}
	return splitMicros(m), true
}

// fieldFn binds a function of one time argument returning an INT field.
func fieldFn(f func(c civil) int64) bindFunc {
	return fixed(1, 1, types.Int, func(a []types.Value) (types.Value, error) {
		c, ok := civilArg(a[0])
		if !ok {
			return types.NullValue, nil
		}
		return types.NewInt(f(c)), nil
	}, cTime)
}

func nowFn(t types.Type) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		// NOW(fsp) and CURRENT_TIMESTAMP(fsp) take an optional precision.
		if err := checkArgs(name, args, 0, 1); err != nil {
			return types.Type{}, nil, err
		}
		return t, func([]types.Value) (types.Value, error) {
			m := nowMillis()
			switch t.Kind {
			case types.KindTimestamp:
				return types.NewTimestamp(m), nil
			case types.KindDate:
				d, _ := floorDiv(m, microsPerDay)
				return types.NewDate(d), nil
			}
			return types.NewTimestampLTZ(m), nil
		}, nil
	}
}

func init() {
	register("date",
		def{names: []string{"NOW", "CURRENT_TIMESTAMP"}, sig: "NOW() -> TIMESTAMP_LTZ(3)", volatile: true,
			doc: "The current instant (evaluated per row, as Flink does in streaming).", bind: nowFn(types.TimestampLTZ)},
		def{names: []string{"LOCALTIMESTAMP", "LOCALTIME", "SYSDATE"}, sig: "LOCALTIMESTAMP() -> TIMESTAMP(3)", volatile: true,
			doc: "The current wall-clock time in the session time zone (UTC).", bind: nowFn(types.Timestamp)},
		def{names: []string{"CURDATE", "CURRENT_DATE"}, sig: "CURDATE() -> DATE", volatile: true,
			doc: "Today's date in the session time zone (UTC).", bind: nowFn(types.Date)},
		def{names: []string{"PROCTIME"}, sig: "PROCTIME() -> TIMESTAMP_LTZ(3)", volatile: true,
			doc: "Processing time: the wall clock when the row is processed.", bind: nowFn(types.TimestampLTZ)},
		def{names: []string{"UNIX_TIMESTAMP"}, sig: "UNIX_TIMESTAMP([ts [, format]]) -> BIGINT",
			doc: "Seconds since the epoch, now or of ts (a string parsed with the Java-style format if given).", bind: bindUnixTimestamp},
		def{names: []string{"FROM_UNIXTIME"}, sig: "FROM_UNIXTIME(seconds [, format]) -> TIMESTAMP(3) or VARCHAR",
			doc: "The timestamp of epoch seconds; with a format (MySQL % specifiers or Java letters), its text.", bind: bindFromUnixtime},
		def{names: []string{"DATE_FORMAT"}, sig: "DATE_FORMAT(ts, format) -> VARCHAR",
			doc:  "ts as text: MySQL specifiers ('%Y-%m-%d %H:%i:%s') or, without '%', Java letters ('yyyy-MM-dd HH:mm:ss', Flink). TIMESTAMP_LTZ values print in UTC, the session time zone.",
			bind: bindDateFormat},
		def{names: []string{"DATE"}, sig: "DATE(ts) -> DATE", doc: "The date part of ts.",
			bind: fixed(1, 1, types.Date, func(a []types.Value) (types.Value, error) {
				d, ok := toDays(a[0])
				if !ok {
					return types.NullValue, nil
				}
				return types.NewDate(d), nil
			}, cTime)},
		def{names: []string{"YEAR"}, sig: "YEAR(ts) -> INT", doc: "The year.", bind: fieldFn(func(c civil) int64 { return c.year })},
		def{names: []string{"QUARTER"}, sig: "QUARTER(ts) -> INT", doc: "The quarter, 1 to 4.",
			bind: fieldFn(func(c civil) int64 { return int64((c.month-1)/3 + 1) })},
		def{names: []string{"MONTH"}, sig: "MONTH(ts) -> INT", doc: "The month, 1 to 12.", bind: fieldFn(func(c civil) int64 { return int64(c.month) })},
		def{names: []string{"DAY", "DAYOFMONTH"}, sig: "DAY(ts) -> INT", doc: "The day of the month, 1 to 31.",
			bind: fieldFn(func(c civil) int64 { return int64(c.day) })},
		def{names: []string{"DAYOFWEEK"}, sig: "DAYOFWEEK(ts) -> INT", doc: "The weekday, 1 = Sunday to 7 = Saturday.",
			bind: fieldFn(func(c civil) int64 { return weekdaySun(c.days) + 1 })},
		def{names: []string{"DAYOFYEAR"}, sig: "DAYOFYEAR(ts) -> INT", doc: "The day of the year, 1 to 366.",
			bind: fieldFn(func(c civil) int64 { return c.dayOfYear() })},
		def{names: []string{"WEEKDAY"}, sig: "WEEKDAY(ts) -> INT", doc: "The weekday, 0 = Monday to 6 = Sunday.",
			bind: fieldFn(func(c civil) int64 { return weekdayMon(c.days) })},
		def{names: []string{"DAYNAME"}, sig: "DAYNAME(ts) -> VARCHAR", doc: "The weekday's English name.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				c, ok := civilArg(a[0])
				if !ok {
					return types.NullValue, nil
				}
				return str(dayNames[weekdayMon(c.days)]), nil
			}, cTime)},
		def{names: []string{"MONTHNAME"}, sig: "MONTHNAME(ts) -> VARCHAR", doc: "The month's English name.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				c, ok := civilArg(a[0])
				if !ok {
					return types.NullValue, nil
				}
				return str(monthNames[c.month-1]), nil
			}, cTime)},
		def{names: []string{"WEEK"}, sig: "WEEK(ts [, mode]) -> INT", doc: "The week number as MySQL's WEEK with mode 0 to 7 (default 0: weeks start on Sunday, 0 to 53).",
			bind: fixed(1, 2, types.Int, func(a []types.Value) (types.Value, error) {
				c, ok := civilArg(a[0])
				mode, ok2 := optInt(a, 1, 0)
				if !ok || !ok2 {
					return types.NullValue, nil
				}
				w, _ := mysqlWeek(c, int(mode))
				return types.NewInt(w), nil
			}, cTime, cNum)},
		def{names: []string{"HOUR"}, sig: "HOUR(ts) -> INT", doc: "The hour, 0 to 23.", bind: fieldFn(func(c civil) int64 { return int64(c.hour) })},
		def{names: []string{"MINUTE"}, sig: "MINUTE(ts) -> INT", doc: "The minute, 0 to 59.", bind: fieldFn(func(c civil) int64 { return int64(c.min) })},
		def{names: []string{"SECOND"}, sig: "SECOND(ts) -> INT", doc: "The second, 0 to 59.", bind: fieldFn(func(c civil) int64 { return int64(c.sec) })},
		def{names: []string{"MICROSECOND"}, sig: "MICROSECOND(ts) -> INT", doc: "The microseconds, 0 to 999999.",
			bind: fieldFn(func(c civil) int64 { return int64(c.micro) })},
		def{names: []string{"LAST_DAY"}, sig: "LAST_DAY(ts) -> DATE", doc: "The last day of ts's month.",
			bind: fixed(1, 1, types.Date, func(a []types.Value) (types.Value, error) {
				c, ok := civilArg(a[0])
				if !ok {
					return types.NullValue, nil
				}
				return types.NewDate(daysFromCivil(c.year, int64(c.month), daysInMonth(c.year, int64(c.month)))), nil
			}, cTime)},
		def{names: []string{"DATEDIFF"}, sig: "DATEDIFF(a, b) -> BIGINT", doc: "Days from date b to date a (time parts ignored).",
			bind: fixed(2, 2, types.BigInt, func(a []types.Value) (types.Value, error) {
				x, ok1 := toDays(a[0])
				y, ok2 := toDays(a[1])
				if !ok1 || !ok2 {
					return types.NullValue, nil
				}
				return types.NewBigInt(x - y), nil
			}, cTime)},
		def{names: []string{"TIMESTAMPDIFF"}, sig: "TIMESTAMPDIFF(unit, a, b) -> BIGINT", doc: "Whole units from a to b (b - a), unit one of MICROSECOND SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR.",
			bind: bindTimestampDiff},
		def{names: []string{"TIMESTAMPADD"}, sig: "TIMESTAMPADD(unit, n, ts) -> timestamp", doc: "ts plus n units.",
			bind: func(name string, args []Arg) (types.Type, EvalFunc, error) {
				return bindDateAdd(name, args, 2, 1, 0, 1)
			}},
		def{names: []string{"DATE_ADD", "ADDDATE"}, sig: "DATE_ADD(ts, n, unit) -> timestamp or DATE",
			doc: "ts plus an interval: ts + INTERVAL '5' SECOND arrives as DATE_ADD(ts, '5', 'SECOND'); ADDDATE(d, n) adds days. Compound units take strings such as '1 2' DAY_HOUR.",
			bind: func(name string, args []Arg) (types.Type, EvalFunc, error) {
				return bindDateAdd(name, args, 0, 1, 2, 1)
			}},
		def{names: []string{"DATE_SUB", "SUBDATE"}, sig: "DATE_SUB(ts, n, unit) -> timestamp or DATE", doc: "ts minus an interval (see DATE_ADD).",
			bind: func(name string, args []Arg) (types.Type, EvalFunc, error) {
				return bindDateAdd(name, args, 0, 1, 2, -1)
			}},
		def{names: []string{"EXTRACT"}, sig: "EXTRACT(unit, ts) -> BIGINT", doc: "EXTRACT(unit FROM ts): a field of ts; compound units join their fields' digits (DAY_MINUTE of 01:02 on the 2nd is 20102).",
			bind: bindExtract},
		def{names: []string{"TO_TIMESTAMP_LTZ"}, sig: "TO_TIMESTAMP_LTZ(epoch [, precision]) -> TIMESTAMP_LTZ(3)",
			doc:  "The instant of an epoch number in seconds (precision 0) or milliseconds (precision 3, the default); a string argument parses with an optional Java-style format (Flink).",
			bind: bindToTimestampLTZ},
		def{names: []string{"TO_TIMESTAMP"}, sig: "TO_TIMESTAMP(str [, format]) -> TIMESTAMP(3)",
			doc:  "Parses str ('yyyy-MM-dd HH:mm:ss' and ISO-8601 by default, else the Java-style format); NULL when it does not parse (Flink).",
			bind: bindParseTime(types.Timestamp)},
		def{names: []string{"TO_DATE"}, sig: "TO_DATE(str [, format]) -> DATE",
			doc:  "Parses a date ('yyyy-MM-dd' by default, else the Java-style format); NULL when it does not parse (Flink).",
			bind: bindParseTime(types.Date)},
	)
}

func bindUnixTimestamp(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 0, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cTime, cText); err != nil {
		return types.Type{}, nil, err
	}
	if len(args) == 0 {
		return types.BigInt, func([]types.Value) (types.Value, error) {
			s, _ := floorDiv(nowMicros(), microsPerSecond)
			return types.NewBigInt(s), nil
		}, nil
	}
	parse, err := bindParser(name, args, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
		m, ok := parse(a)
		if !ok {
			return types.NullValue, nil
		}
		s, _ := floorDiv(m, microsPerSecond)
		return types.NewBigInt(s), nil
	}), nil
}

// bindParser returns a reader of argument 0 as micros: through the format
// in argument fmtIdx when there is one (compiled once if constant), else
// through ToMicros.
func bindParser(name string, args []Arg, fmtIdx int) (func(a []types.Value) (int64, bool), error) {
	if fmtIdx >= len(args) {
		return func(a []types.Value) (int64, bool) { return ToMicros(a[0]) }, nil
	}
	if s, ok := constString(args[fmtIdx]); ok {
		f, err := compileFormat(s)
		if err != nil {
			return nil, funcErr(name, ErrArgValue, "%v", err)
		}
		return func(a []types.Value) (int64, bool) { return f.parse(text(a[0])) }, nil
	}
	return func(a []types.Value) (int64, bool) {
		f, err := compileFormat(text(a[fmtIdx]))
		if err != nil {
			return 0, false
		}
		return f.parse(text(a[0]))
	}, nil
}

// bindFormatter returns a formatter for the format in argument i.
func bindFormatter(name string, args []Arg, i int) (func(a []types.Value) (tsFormat, error), error) {
	if s, ok := constString(args[i]); ok {
		f, err := compileFormat(s)
		if err != nil {
			return nil, funcErr(name, ErrArgValue, "%v", err)
		}
		return func([]types.Value) (tsFormat, error) { return f, nil }, nil
	}
	return func(a []types.Value) (tsFormat, error) {
		f, err := compileFormat(text(a[i]))
		if err != nil {
			return nil, funcErr(name, ErrArgValue, "%v", err)
		}
		return f, nil
	}, nil
}

func bindFromUnixtime(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 1, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cNum, cText); err != nil {
		return types.Type{}, nil, err
	}
	micros := func(v types.Value) (int64, bool) {
		if v.Kind() == types.KindString {
			f, ok := ToFloat64(v)
			if !ok {
				return 0, false
			}
			v = types.NewDouble(f)
		}
		return ToMicros(v)
	}
	if len(args) == 1 {
		return types.Timestamp, strict(func(a []types.Value) (types.Value, error) {
			m, ok := micros(a[0])
			if !ok {
				return types.NullValue, nil
			}
			return types.NewTimestamp(m), nil
		}), nil
	}
	getFmt, err := bindFormatter(name, args, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.String, strict(func(a []types.Value) (types.Value, error) {
		m, ok := micros(a[0])
		if !ok {
			return types.NullValue, nil
		}
		f, err := getFmt(a)
		if err != nil {
			return types.NullValue, err
		}
		return str(bytesString(f.append(make([]byte, 0, 32), splitMicros(m)))), nil
	}), nil
}

func bindDateFormat(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cTime, cText); err != nil {
		return types.Type{}, nil, err
	}
	getFmt, err := bindFormatter(name, args, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.String, strict(func(a []types.Value) (types.Value, error) {
		c, ok := civilArg(a[0])
		if !ok {
			return types.NullValue, nil
		}
		f, err := getFmt(a)
		if err != nil {
			return types.NullValue, err
		}
		return str(bytesString(f.append(make([]byte, 0, 32), c))), nil
	}), nil
}

func bindTimestampDiff(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 3, 3); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText, cTime); err != nil {
		return types.Type{}, nil, err
	}
	u, err := bindUnit(name, args, 0, false)
	if err != nil {
		return types.Type{}, nil, err
	}
	months := simpleUnitMonths[u.name]
	per := simpleUnitMicros[u.name]
	return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
		x, ok1 := ToMicros(a[1])
		y, ok2 := ToMicros(a[2])
		if !ok1 || !ok2 {
			return types.NullValue, nil
		}
		if months != 0 {
			return types.NewBigInt(monthsBetween(x, y) / months), nil
		}
		return types.NewBigInt((y - x) / per), nil
	}), nil
}

// bindDateAdd binds DATE_ADD and friends; tsIdx, nIdx and unitIdx say where
// the arguments are (TIMESTAMPADD orders them differently), sign is -1 to
// subtract. Two arguments mean ADDDATE(d, days) or DATE_ADD(ts, interval).
func bindDateAdd(name string, args []Arg, tsIdx, nIdx, unitIdx int, sign int64) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, 3); err != nil {
		return types.Type{}, nil, err
	}
	if len(args) == 2 && tsIdx == 2 {
		return types.Type{}, nil, funcErr(name, ErrArgCount, "expects 3 arguments, got 2")
	}
	if !cTime.accepts(args[tsIdx].Type.Kind) {
		return types.Type{}, nil, funcErr(name, ErrArgType, "argument %d must be a timestamp or date, got %s", tsIdx+1, args[tsIdx].Type)
	}
	u := timeUnit{name: "DAY", parts: []string{"DAY"}}
	if len(args) == 3 {
		var err error
		if u, err = bindUnit(name, args, unitIdx, true); err != nil {
			return types.Type{}, nil, err
		}
	} else if args[nIdx].Type.Kind == types.KindInterval {
		u = timeUnit{name: "MICROSECOND", parts: []string{"MICROSECOND"}}
	}
	in := args[tsIdx].Type
	var rt types.Type
	switch {
	case in.Kind == types.KindDate && !u.hasTime() && args[nIdx].Type.Kind != types.KindInterval:
		rt = types.Date
	case in.Kind.IsTime():
		rt = in.Nullable()
	default:
		rt = types.Timestamp
	}
	if u.hasMicros() && rt.Kind != types.KindDate {
		rt.Precision = 6
	}
	return rt, strict(func(a []types.Value) (types.Value, error) {
		m, ok := ToMicros(a[tsIdx])
		if !ok {
			return types.NullValue, nil
		}
		months, micros, ok := u.interval(a[nIdx])
		if !ok {
			return types.NullValue, nil
		}
		m = addMonths(m, sign*months) + sign*micros
		switch rt.Kind {
		case types.KindDate:
			d, _ := floorDiv(m, microsPerDay)
			return types.NewDate(d), nil
		case types.KindTimestampLTZ:
			return types.NewTimestampLTZ(m), nil
		}
		return types.NewTimestamp(m), nil
	}), nil
}

func bindExtract(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText, cTime); err != nil {
		return types.Type{}, nil, err
	}
	u, err := bindUnit(name, args, 0, true)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.BigInt, strict(func(a []types.Value) (types.Value, error) {
		c, ok := civilArg(a[1])
		if !ok {
			return types.NullValue, nil
		}
		return types.NewBigInt(extractUnit(u, c)), nil
	}), nil
}

func bindToTimestampLTZ(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 1, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cTime, cAny); err != nil {
		return types.Type{}, nil, err
	}
	if args[0].Type.Kind == types.KindString {
		parse, err := bindParser(name, args, 1)
		if err != nil {
			return types.Type{}, nil, err
		}
		return types.TimestampLTZ, strict(func(a []types.Value) (types.Value, error) {
			m, ok := parse(a)
			if !ok {
				return types.NullValue, nil
			}
			return types.NewTimestampLTZ(truncMicros(m, 3)), nil
		}), nil
	}
	scale := int64(1000) // precision 3: milliseconds
	if len(args) == 2 {
		p, ok := constString(args[1])
		switch {
		case !ok:
			return types.Type{}, nil, funcErr(name, ErrArgValue, "precision must be a constant 0 or 3")
		case p == "0":
			scale = microsPerSecond
		case p == "3":
		case p == "6":
			scale = 1
		default:
			return types.Type{}, nil, funcErr(name, ErrArgValue, "precision must be 0 (seconds) or 3 (milliseconds), got %s", p)
		}
	}
	return types.TimestampLTZ, strict(func(a []types.Value) (types.Value, error) {
		if a[0].Kind() == types.KindInt || a[0].Kind() == types.KindBigInt {
			return types.NewTimestampLTZ(truncMicros(a[0].Int()*scale, 3)), nil
		}
		f, ok := ToFloat64(a[0])
		if !ok {
			return types.NullValue, nil
		}
		m, ok := floatToInt(f * float64(scale))
		if !ok {
			return types.NullValue, nil
		}
		return types.NewTimestampLTZ(truncMicros(m, 3)), nil
	}), nil
}

func bindParseTime(rt types.Type) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		if err := checkArgs(name, args, 1, 2); err != nil {
			return types.Type{}, nil, err
		}
		if err := checkClasses(name, args, cTime, cText); err != nil {
			return types.Type{}, nil, err
		}
		parse, err := bindParser(name, args, 1)
		if err != nil {
			return types.Type{}, nil, err
		}
		return rt, strict(func(a []types.Value) (types.Value, error) {
			m, ok := parse(a)
			if !ok {
				return types.NullValue, nil
			}
			if rt.Kind == types.KindDate {
				d, _ := floorDiv(m, microsPerDay)
				return types.NewDate(d), nil
			}
			return types.NewTimestamp(truncMicros(m, 3)), nil
		}), nil
	}
}

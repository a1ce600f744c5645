package udf

import (
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestDateTimeFunctions(t *testing.T) {
	runCases(t, []fcase{
		// Expected values are MySQL's documented results.
		{fn: "DATE_FORMAT", args: []types.Value{ts("2009-10-04 22:23:00"), s("%W %M %Y")}, want: "VARCHAR:Sunday October 2009"},
		{fn: "DATE_FORMAT", args: []types.Value{ts("2007-10-04 22:23:00"), s("%H:%i:%s")}, want: "VARCHAR:22:23:00"},
		{fn: "DATE_FORMAT", args: []types.Value{ts("1900-10-04 22:23:00"), s("%D %y %a %d %m %b %j")}, want: "VARCHAR:4th 00 Thu 04 10 Oct 277"},
		{fn: "DATE_FORMAT", args: []types.Value{ts("1997-10-04 22:23:00"), s("%H %k %I %r %T %S %w")}, want: "VARCHAR:22 22 10 10:23:00 PM 22:23:00 00 6"},
		{fn: "DATE_FORMAT", args: []types.Value{ts("1999-01-01"), s("%X %V")}, want: "VARCHAR:1998 52"},
		{fn: "DATE_FORMAT", args: []types.Value{ts("2024-01-02 03:04:05.678"), s("%Y-%m-%d %H:%i:%s.%f %% %q")}, want: "VARCHAR:2024-01-02 03:04:05.678000 % q"},
		{fn: "DATE_FORMAT", args: []types.Value{ltz("2024-01-02 03:04:05"), s("%Y-%m-%d %H:%i:%s")}, want: "VARCHAR:2024-01-02 03:04:05"},
		{fn: "DATE_FORMAT", args: []types.Value{s("2024-01-02 13:04:05.678"), s("yyyy-MM-dd'T'HH:mm:ss.SSS EEE MMM a")}, want: "VARCHAR:2024-01-02T13:04:05.678 Tue Jan PM"},
		{fn: "DATE_FORMAT", args: []types.Value{ts("2024-01-02"), s("yyyy-qq")}, err: ErrArgValue},
		{fn: "DATE_FORMAT", args: []types.Value{s("garbage"), s("%Y")}, want: "NULL"},
		{fn: "DATE_FORMAT", args: []types.Value{null, s("%Y")}, want: "NULL"},
		{fn: "DATE", args: []types.Value{ts("2024-05-06 07:08:09")}, want: "DATE:2024-05-06"},
		{fn: "YEAR", args: []types.Value{s("1987-01-01")}, want: "INT:1987"},
		{fn: "QUARTER", args: []types.Value{s("2008-04-01")}, want: "INT:2"},
		{fn: "MONTH", args: []types.Value{day("2008-02-03")}, want: "INT:2"},
		{fn: "DAY", args: []types.Value{ts("2007-02-03 10:00:00")}, want: "INT:3"},
		{fn: "DAYOFMONTH", args: []types.Value{ts("2007-02-03 10:00:00")}, want: "INT:3"},
		{fn: "DAYOFWEEK", args: []types.Value{s("2007-02-03")}, want: "INT:7"},
		{fn: "DAYOFYEAR", args: []types.Value{s("2007-02-03")}, want: "INT:34"},
		{fn: "WEEKDAY", args: []types.Value{s("2008-02-03 22:23:00")}, want: "INT:6"},
		{fn: "DAYNAME", args: []types.Value{s("2007-02-03")}, want: "VARCHAR:Saturday"},
		{fn: "MONTHNAME", args: []types.Value{s("2008-02-03")}, want: "VARCHAR:February"},
		{fn: "WEEK", args: []types.Value{s("2008-02-20")}, want: "INT:7"},
		{fn: "WEEK", args: []types.Value{s("2008-02-20"), i(1)}, want: "INT:8"},
		{fn: "WEEK", args: []types.Value{s("2008-12-31"), i(1)}, want: "INT:53"},
		{fn: "WEEK", args: []types.Value{s("2000-01-01")}, want: "INT:0"},
		{fn: "WEEK", args: []types.Value{s("2000-01-01"), i(2)}, want: "INT:52"},
		{fn: "HOUR", args: []types.Value{s("10:05:03")}, want: "NULL"},
		{fn: "HOUR", args: []types.Value{ts("2024-01-01 10:05:03")}, want: "INT:10"},
		{fn: "MINUTE", args: []types.Value{ts("2024-01-01 10:05:03")}, want: "INT:5"},
		{fn: "SECOND", args: []types.Value{ts("2024-01-01 10:05:03")}, want: "INT:3"},
		{fn: "MICROSECOND", args: []types.Value{s("2024-01-01 10:05:03.000123")}, want: "INT:123"},
		{fn: "HOUR", args: []types.Value{i(3600)}, want: "INT:1"},
		{fn: "LAST_DAY", args: []types.Value{s("2003-02-05")}, want: "DATE:2003-02-28"},
		{fn: "LAST_DAY", args: []types.Value{s("2004-02-05")}, want: "DATE:2004-02-29"},
		{fn: "DATEDIFF", args: []types.Value{s("2007-12-31 23:59:59"), s("2007-12-30")}, want: "BIGINT:1"},
		{fn: "DATEDIFF", args: []types.Value{s("2010-11-30 23:59:59"), s("2010-12-31")}, want: "BIGINT:-31"},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("MONTH"), s("2003-02-01"), s("2003-05-01")}, want: "BIGINT:3"},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("YEAR"), s("2002-05-01"), s("2001-01-01")}, want: "BIGINT:-1"},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("MINUTE"), s("2003-02-01"), s("2003-05-01 12:05:55")}, want: "BIGINT:128885"},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("MONTH"), s("2024-01-31"), s("2024-02-29")}, want: "BIGINT:0"},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("SECOND"), ltz("2024-01-01 00:00:00"), ltz("2024-01-01 00:00:05")}, want: "BIGINT:5"},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("DAY_HOUR"), s("2003-02-01"), s("2003-05-01")}, err: ErrArgValue},
		{fn: "TIMESTAMPDIFF", args: []types.Value{s("FORTNIGHT"), s("2003-02-01"), s("2003-05-01")}, err: ErrArgValue},
		{fn: "TIMESTAMPADD", args: []types.Value{s("MINUTE"), i(1), s("2003-01-02")}, want: "TIMESTAMP:2003-01-02 00:01:00.000"},
		{fn: "TIMESTAMPADD", args: []types.Value{s("WEEK"), i(1), day("2003-01-02")}, want: "DATE:2003-01-09"},
		{fn: "DATE_ADD", args: []types.Value{day("2018-05-01"), s("1"), s("DAY")}, want: "DATE:2018-05-02"},
		{fn: "DATE_ADD", args: []types.Value{ts("2100-12-31 23:59:59"), s("1:1"), s("MINUTE_SECOND")}, want: "TIMESTAMP:2101-01-01 00:01:00.000"},
		{fn: "DATE_SUB", args: []types.Value{ts("2025-01-01 00:00:00"), s("1 1:1:1"), s("DAY_SECOND")}, want: "TIMESTAMP:2024-12-30 22:58:59.000"},
		{fn: "DATE_ADD", args: []types.Value{ts("1900-01-01 00:00:00"), s("-1 10"), s("DAY_HOUR")}, want: "TIMESTAMP:1899-12-30 14:00:00.000"},
		{fn: "DATE_SUB", args: []types.Value{day("1998-01-02"), i(31), s("DAY")}, want: "DATE:1997-12-02"},
		{fn: "DATE_ADD", args: []types.Value{day("2024-01-31"), i(1), s("MONTH")}, want: "DATE:2024-02-29"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-02-29 12:00:00"), i(1), s("YEAR")}, want: "TIMESTAMP:2025-02-28 12:00:00.000"},
		{fn: "DATE_ADD", args: []types.Value{ltz("2024-01-01 00:00:00"), s("5"), s("SECOND")}, want: "TIMESTAMP_LTZ:2024-01-01 00:00:05.000Z"},
		{fn: "DATE_SUB", args: []types.Value{ltz("2024-01-01 00:00:00"), s("5"), s("SECOND")}, want: "TIMESTAMP_LTZ:2023-12-31 23:59:55.000Z"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-01-01 00:00:00"), s("1.5"), s("SECOND")}, want: "TIMESTAMP:2024-01-01 00:00:01.500"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-01-01 00:00:00"), s("2"), s("QUARTER")}, want: "TIMESTAMP:2024-07-01 00:00:00.000"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-01-01 00:00:00"), s("1-2"), s("YEAR_MONTH")}, want: "TIMESTAMP:2025-03-01 00:00:00.000"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-01-01 00:00:00"), s("x"), s("DAY")}, want: "NULL"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-01-01 00:00:00"), s("1"), s("EON")}, err: ErrArgValue},
		{fn: "ADDDATE", args: []types.Value{day("2024-01-01"), i(31)}, want: "DATE:2024-02-01"},
		{fn: "SUBDATE", args: []types.Value{day("2024-01-01"), i(1)}, want: "DATE:2023-12-31"},
		{fn: "DATE_ADD", args: []types.Value{ts("2024-01-01 00:00:00"), types.NewInterval(1500)}, want: "TIMESTAMP:2024-01-01 00:00:00.001"},
		{fn: "DATE_ADD", args: []types.Value{null, s("1"), s("DAY")}, want: "NULL"},
		{fn: "EXTRACT", args: []types.Value{s("YEAR"), s("2019-07-02")}, want: "BIGINT:2019"},
		{fn: "EXTRACT", args: []types.Value{s("YEAR_MONTH"), s("2019-07-02 01:02:03")}, want: "BIGINT:201907"},
		{fn: "EXTRACT", args: []types.Value{s("DAY_MINUTE"), s("2019-07-02 01:02:03")}, want: "BIGINT:20102"},
		{fn: "EXTRACT", args: []types.Value{s("MICROSECOND"), s("2003-01-02 10:30:00.000123")}, want: "BIGINT:123"},
		{fn: "EXTRACT", args: []types.Value{s("QUARTER"), ts("2019-11-02 00:00:00")}, want: "BIGINT:4"},
		{fn: "EXTRACT", args: []types.Value{s("WEEK"), s("2008-02-20")}, want: "BIGINT:7"},
		{fn: "UNIX_TIMESTAMP", args: []types.Value{s("2015-11-13 10:20:19")}, want: "BIGINT:1447410019"},
		{fn: "UNIX_TIMESTAMP", args: []types.Value{s("13/11/2015 10:20"), s("dd/MM/yyyy HH:mm")}, want: "BIGINT:1447410000"},
		{fn: "UNIX_TIMESTAMP", args: []types.Value{s("junk")}, want: "NULL"},
		{fn: "FROM_UNIXTIME", args: []types.Value{i(1447430881)}, want: "TIMESTAMP:2015-11-13 16:08:01.000"},
		{fn: "FROM_UNIXTIME", args: []types.Value{i(1447430881), s("%Y %D %M %h:%i:%s %x")}, want: "VARCHAR:2015 13th November 04:08:01 2015"},
		{fn: "FROM_UNIXTIME", args: []types.Value{i(0), s("yyyy-MM-dd HH:mm:ss")}, want: "VARCHAR:1970-01-01 00:00:00"},
		{fn: "FROM_UNIXTIME", args: []types.Value{s("abc")}, want: "NULL"},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{i(1704067200), i(0)}, want: "TIMESTAMP_LTZ:2024-01-01 00:00:00.000Z"},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{i(1704067200123), i(3)}, want: "TIMESTAMP_LTZ:2024-01-01 00:00:00.123Z"},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{i(1704067200123)}, want: "TIMESTAMP_LTZ:2024-01-01 00:00:00.123Z"},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{f(1.5), i(0)}, want: "TIMESTAMP_LTZ:1970-01-01 00:00:01.500Z"},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{i(1), i(2)}, err: ErrArgValue},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{null, i(0)}, want: "NULL"},
		{fn: "TO_TIMESTAMP_LTZ", args: []types.Value{s("2024-01-01T00:00:00Z")}, want: "TIMESTAMP_LTZ:2024-01-01 00:00:00.000Z"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("2024-01-01 10:00:00")}, want: "TIMESTAMP:2024-01-01 10:00:00.000"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("01/02/2024 10:30"), s("MM/dd/yyyy HH:mm")}, want: "TIMESTAMP:2024-01-02 10:30:00.000"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("2024-01-02 03:04:05.123"), s("yyyy-MM-dd HH:mm:ss.SSS")}, want: "TIMESTAMP:2024-01-02 03:04:05.123"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("Jan 5 2024 1:02 PM"), s("MMM d yyyy h:mm a")}, want: "TIMESTAMP:2024-01-05 13:02:00.000"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("2024-01-02T03:04:05+01:00"), s("yyyy-MM-dd'T'HH:mm:ssXXX")}, want: "TIMESTAMP:2024-01-02 02:04:05.000"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("2024-13-02"), s("yyyy-MM-dd")}, want: "NULL"},
		{fn: "TO_TIMESTAMP", args: []types.Value{s("nonsense")}, want: "NULL"},
		{fn: "TO_DATE", args: []types.Value{s("2024-03-05")}, want: "DATE:2024-03-05"},
		{fn: "TO_DATE", args: []types.Value{s("20240305"), s("yyyyMMdd")}, want: "DATE:2024-03-05"},
	})
}

func TestDateAddMicroseconds(t *testing.T) {
	// MySQL: DATE_ADD('1992-12-31 23:59:59.000002', INTERVAL '1.999999'
	// SECOND_MICROSECOND) = '1993-01-01 00:00:01.000001'; checked on the
	// micros because Value.String shows milliseconds.
	rt, v, err := bindCall("DATE_ADD", true, ts("1992-12-31 23:59:59.000002"), s("1.999999"), s("SECOND_MICROSECOND"))
	want, _ := ParseTimestamp("1993-01-01 00:00:01.000001")
	if err != nil || v.Micros() != want || rt.Precision != 6 {
		t.Fatalf("got %d (%s), %v; want %d with precision 6", v.Micros(), rt, err, want)
	}
}

func TestClockFunctions(t *testing.T) {
	saved := nowMicros
	defer func() { nowMicros = saved }()
	fixed, _ := ParseTimestamp("2024-06-01 12:34:56.789123")
	nowMicros = func() int64 { return fixed }
	cases := []struct{ fn, want string }{
		{"NOW", "TIMESTAMP_LTZ:2024-06-01 12:34:56.789Z"},
		{"CURRENT_TIMESTAMP", "TIMESTAMP_LTZ:2024-06-01 12:34:56.789Z"},
		{"LOCALTIMESTAMP", "TIMESTAMP:2024-06-01 12:34:56.789"},
		{"CURDATE", "DATE:2024-06-01"},
		{"CURRENT_DATE", "DATE:2024-06-01"},
		{"PROCTIME", "TIMESTAMP_LTZ:2024-06-01 12:34:56.789Z"},
		{"UNIX_TIMESTAMP", "BIGINT:1717245296"},
	}
	for _, c := range cases {
		t.Run(c.fn, func(t *testing.T) {
			fn, _ := Default.Scalar(c.fn)
			if c.fn != "UNIX_TIMESTAMP" && !fn.Volatile {
				t.Fatalf("%s must be volatile", c.fn)
			}
			_, v, err := bindCall(c.fn, true)
			if err != nil || show(v) != c.want {
				t.Fatalf("got %s, %v; want %s", show(v), err, c.want)
			}
		})
	}
}

func TestMySQLWeekModes(t *testing.T) {
	// WEEK('2024-12-30', mode) for every mode, checked against MySQL 8.
	d, _ := ParseTimestamp("2024-12-30")
	want := []int64{52, 53, 52, 1, 53, 53, 1, 53}
	for mode, w := range want {
		if got, _ := mysqlWeek(splitMicros(d), mode); got != w {
			t.Errorf("WEEK('2024-12-30', %d) = %d, want %d", mode, got, w)
		}
	}
}

package udf

import (
	"errors"
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestConversions(t *testing.T) {
	t.Run("ToString", func(t *testing.T) {
		cases := []struct {
			in   types.Value
			want string
			ok   bool
		}{
			{null, "", false},
			{s("x"), "x", true},
			{i(-12), "-12", true},
			{types.NewInt(7), "7", true},
			{f(2.5), "2.5", true},
			{f(1e21), "1e+21", true},
			{dec("-0.05"), "-0.05", true},
			{b(true), "TRUE", true},
			{ts("2024-01-02 03:04:05.5"), "2024-01-02 03:04:05.500", true},
			{ts("2024-01-02 03:04:05.123456"), "2024-01-02 03:04:05.123456", true},
			{ltz("1969-12-31 23:59:59"), "1969-12-31 23:59:59.000", true},
			{day("2024-02-29"), "2024-02-29", true},
			{j(`{"a":1}`), `{"a":1}`, true},
		}
		for _, c := range cases {
			t.Run(show(c.in), func(t *testing.T) {
				got, ok := ToString(c.in)
				if got != c.want || ok != c.ok {
					t.Fatalf("ToString = %q, %v; want %q, %v", got, ok, c.want, c.ok)
				}
			})
		}
	})
	t.Run("ToInt64", func(t *testing.T) {
		cases := []struct {
			in   types.Value
			want int64
			ok   bool
		}{
			{null, 0, false},
			{s(" 42 "), 42, true},
			{s("2.5"), 3, true},
			{s("-2.5"), -3, true},
			{s("abc"), 0, false},
			{s(""), 0, false},
			{s("Inf"), 0, false},
			{f(1.49), 1, true},
			{f(1e30), 0, false},
			{dec("12.50"), 13, true},
			{b(true), 1, true},
			{ts("1970-01-01 00:01:00"), 60, true},
			{j(`7`), 7, true},
			{j(`"8"`), 8, true},
			{j(`{}`), 0, false},
		}
		for _, c := range cases {
			t.Run(show(c.in), func(t *testing.T) {
				got, ok := ToInt64(c.in)
				if got != c.want || ok != c.ok {
					t.Fatalf("ToInt64 = %d, %v; want %d, %v", got, ok, c.want, c.ok)
				}
			})
		}
	})
	t.Run("ToFloat64", func(t *testing.T) {
		cases := []struct {
			in   types.Value
			want float64
			ok   bool
		}{
			{s("1.5e3"), 1500, true},
			{dec("-1.25"), -1.25, true},
			{s("x1"), 0, false},
			{j(`2.5`), 2.5, true},
			{i(3), 3, true},
			{null, 0, false},
		}
		for _, c := range cases {
			t.Run(show(c.in), func(t *testing.T) {
				got, ok := ToFloat64(c.in)
				if got != c.want || ok != c.ok {
					t.Fatalf("ToFloat64 = %v, %v; want %v, %v", got, ok, c.want, c.ok)
				}
			})
		}
	})
	t.Run("ToBool", func(t *testing.T) {
		cases := []struct {
			in       types.Value
			want, ok bool
		}{
			{s("true"), true, true}, {s("FALSE"), false, true}, {s("yes"), true, true},
			{s("off"), false, true}, {s("2"), true, true}, {s("0.0"), false, true},
			{s("maybe"), false, false}, {i(0), false, true}, {f(0.1), true, true},
			{j(`true`), true, true}, {null, false, false},
		}
		for _, c := range cases {
			t.Run(show(c.in), func(t *testing.T) {
				got, ok := ToBool(c.in)
				if got != c.want || ok != c.ok {
					t.Fatalf("ToBool = %v, %v; want %v, %v", got, ok, c.want, c.ok)
				}
			})
		}
	})
	t.Run("ToMicros", func(t *testing.T) {
		cases := []struct {
			in   types.Value
			want int64
			ok   bool
		}{
			{s("1970-01-01 00:00:01"), 1_000_000, true},
			{s("1970-01-01T00:00:01.5Z"), 1_500_000, true},
			{s("1970-01-01T02:00:00+02:00"), 0, true},
			{s("1970-01-01T00:00:00-0130"), 90 * 60 * 1_000_000, true},
			{s("1970-01-02"), 86_400_000_000, true},
			{s("1970-1-2 3:4:5"), ((24+3)*3600 + 4*60 + 5) * 1_000_000, true},
			{s("1969-12-31 23:59:59.999999"), -1, true},
			{s("2024-02-30"), 0, false},
			{s("2024-01-01 24:00:00"), 0, false},
			{s("2024-01-01 10:00:00 junk"), 0, false},
			{s("not a time"), 0, false},
			{i(1704067200), 1704067200_000_000, true},
			{f(1.5), 1_500_000, true},
			{day("1970-01-03"), 2 * 86_400_000_000, true},
			{j(`"1970-01-01 00:00:02"`), 2_000_000, true},
			{null, 0, false},
		}
		for _, c := range cases {
			t.Run(show(c.in), func(t *testing.T) {
				got, ok := ToMicros(c.in)
				if got != c.want || ok != c.ok {
					t.Fatalf("ToMicros = %d, %v; want %d, %v", got, ok, c.want, c.ok)
				}
			})
		}
	})
}

func TestCast(t *testing.T) {
	cases := []struct {
		in   types.Value
		to   types.Type
		want string
		err  bool
	}{
		{null, types.BigInt, "NULL", false},
		{s(" 12 "), types.BigInt, "BIGINT:12", false},
		{s("12.6"), types.Int, "INT:13", false},
		{s("abc"), types.BigInt, "", true},
		{i(1 << 40), types.Int, "", true},
		{f(2.5), types.BigInt, "BIGINT:3", false},
		{s("3.25"), types.Double, "DOUBLE:3.25", false},
		{s("1.005"), types.Decimal(10, 2), "DECIMAL:1.01", false},
		{s("-1.005"), types.Decimal(10, 2), "DECIMAL:-1.01", false},
		{s("12"), types.Decimal(5, 2), "DECIMAL:12.00", false},
		{s("1e2"), types.Decimal(5, 1), "DECIMAL:100.0", false},
		{i(300), types.Decimal(2, 0), "", true},
		{dec("1.25"), types.Decimal(4, 1), "DECIMAL:1.3", false},
		{f(0.125), types.Decimal(4, 2), "DECIMAL:0.13", false},
		{s("x"), types.Decimal(4, 2), "", true},
		{i(42), types.String, "VARCHAR:42", false},
		{s("héllo"), types.Type{Kind: types.KindString, Precision: 2}, "VARCHAR:hé", false},
		{dec("1.50"), types.String, "VARCHAR:1.50", false},
		{s("yes"), types.Boolean, "BOOLEAN:TRUE", false},
		{s("nope"), types.Boolean, "", true},
		{s("2024-01-01 10:00:00.123456"), types.Timestamp, "TIMESTAMP:2024-01-01 10:00:00.123", false},
		{s("2024-01-01T10:00:00Z"), types.TimestampLTZ, "TIMESTAMP_LTZ:2024-01-01 10:00:00.000Z", false},
		{s("2024-13-01"), types.Timestamp, "", true},
		{ts("2024-01-01 10:00:00"), types.TimestampLTZ, "TIMESTAMP_LTZ:2024-01-01 10:00:00.000Z", false},
		{ltz("2024-01-01 10:00:00"), types.Timestamp, "TIMESTAMP:2024-01-01 10:00:00.000", false},
		{ts("2024-01-01 10:00:00"), types.Date, "DATE:2024-01-01", false},
		{ts("1969-12-31 10:00:00"), types.Date, "DATE:1969-12-31", false},
		{day("2024-01-01"), types.Timestamp, "TIMESTAMP:2024-01-01 00:00:00.000", false},
		{s("2024-03-04"), types.Date, "DATE:2024-03-04", false},
		{i(5), types.Date, "", true},
		{i(1704067200), types.TimestampLTZ, "TIMESTAMP_LTZ:2024-01-01 00:00:00.000Z", false},
		{ltz("2024-01-01 00:00:00"), types.BigInt, "BIGINT:1704067200", false},
		{day("2024-01-01"), types.BigInt, "", true},
		{s(`{ "a" : [1, 2] }`), types.JSON, `JSON:{"a":[1,2]}`, false},
		{s(`{"a":1}`), types.JSON, `JSON:{"a":1}`, false},
		{s(`{bad`), types.JSON, "", true},
		{i(3), types.JSON, "JSON:3", false},
		{s("x"), types.Bytes, "BYTES:x", false},
		{j(`"5"`), types.BigInt, "BIGINT:5", false},
		{j(`12.5`), types.Decimal(5, 1), "DECIMAL:12.5", false},
	}
	for _, c := range cases {
		t.Run(show(c.in)+"->"+c.to.String(), func(t *testing.T) {
			got, err := Cast(c.in, c.to)
			if c.err {
				if !errors.Is(err, ErrConvert) {
					t.Fatalf("got %s, %v; want ErrConvert", show(got), err)
				}
				if tc := TryCast(c.in, c.to); !tc.IsNull() {
					t.Fatalf("TryCast = %s, want NULL", show(tc))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if show(got) != c.want {
				t.Fatalf("got %s, want %s", show(got), c.want)
			}
			if tc := TryCast(c.in, c.to); show(tc) != c.want {
				t.Fatalf("TryCast = %s, want %s", show(tc), c.want)
			}
		})
	}
}

func TestCommonType(t *testing.T) {
	cases := []struct {
		in   []types.Type
		want types.Type
	}{
		{[]types.Type{types.Int, types.BigInt}, types.BigInt},
		{[]types.Type{types.Int, types.Double}, types.Double},
		{[]types.Type{types.Decimal(5, 2), types.Decimal(10, 0)}, types.Decimal(12, 2)},
		{[]types.Type{types.Null, types.String}, types.String},
		{[]types.Type{types.String, types.Timestamp}, types.Timestamp},
		{[]types.Type{types.String, types.BigInt}, types.String},
		{[]types.Type{types.Null}, types.Null},
	}
	for _, c := range cases {
		if got := CommonType(c.in...); got != c.want {
			t.Errorf("CommonType(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

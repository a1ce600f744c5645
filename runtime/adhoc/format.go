package adhoc

import (
	"bufio"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chatsql/chatsql/runtime/textable"
	"github.com/chatsql/chatsql/runtime/types"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Formats are the output formats of `chatsql query --format`.
var Formats = []string{"table", "csv", "json"}

// Write writes every row of r to w in format (table, csv or json) and
// returns the number of rows. table is an aligned table with a "(N rows)"
// footer, as the REPL prints; csv has a header row, NULL is an empty field;
// json is one object per line, keys in column order.
func Write(w io.Writer, r *Rows, format string) (int, error) {
	switch format {
	case "table", "":
		return WriteTable(w, r)
	case "csv":
		return WriteCSV(w, r)
	case "json":
		return WriteJSON(w, r)
	}
	return 0, fmt.Errorf("unknown format %q (table, csv or json)", format)
}

// Collect reads every row of r as rendered cells (NULL as "NULL").
func Collect(r *Rows) (cols []string, rows [][]string, err error) {
	for r.Next() {
		row := make([]string, len(r.Columns))
		for i, v := range r.Values() {
			row[i] = Text(v, r.Types[i], "NULL")
		}
		rows = append(rows, row)
	}
	return r.Columns, rows, r.Err()
}

// WriteTable writes an aligned table (numbers right-aligned) and "(N rows)".
// The whole result is read first to size the columns.
func WriteTable(w io.Writer, r *Rows) (int, error) {
	cols, rows, err := Collect(r)
	if err != nil {
		return 0, err
	}
	right := make([]bool, len(cols))
	for i, t := range r.Types {
		right[i] = isNumericType(t)
	}
	bw := bufio.NewWriter(w)
	textable.Write(bw, cols, rows, right)
	return len(rows), bw.Flush()
}

// WriteCSV writes a header row and one record per row (RFC 4180).
func WriteCSV(w io.Writer, r *Rows) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Columns); err != nil {
		return 0, err
	}
	n := 0
	rec := make([]string, len(r.Columns))
	for r.Next() {
		for i, v := range r.Values() {
			rec[i] = Text(v, r.Types[i], "")
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	if err := r.Err(); err != nil {
		return n, err
	}
	return n, cw.Error()
}

// WriteJSON writes one JSON object per row and line, keys in column order
// (a repeated column name gets a suffix: x, x_2).
func WriteJSON(w io.Writer, r *Rows) (int, error) {
	bw := bufio.NewWriter(w)
	keys := make([][]byte, len(r.Columns))
	seen := map[string]int{}
	for i, c := range r.Columns {
		name := c
		if n := seen[c]; n > 0 {
			name = fmt.Sprintf("%s_%d", c, n+1)
		}
		seen[c]++
		keys[i] = strconv.AppendQuote(nil, name)
	}
	n := 0
	var buf []byte
	for r.Next() {
		buf = append(buf[:0], '{')
		for i, v := range r.Values() {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			buf = append(buf, ':')
			buf = appendJSON(buf, v, r.Types[i])
		}
		buf = append(buf, '}', '\n')
		if _, err := bw.Write(buf); err != nil {
			return n, err
		}
		n++
	}
	if err := r.Err(); err != nil {
		bw.Flush()
		return n, err
	}
	return n, bw.Flush()
}

// Text renders a value for a table cell or a CSV field; null is how NULL
// reads. Times are ISO 8601: DATE 2024-01-02, TIMESTAMP
// 2024-01-02T03:04:05.123, TIMESTAMPTZ 2024-01-02T03:04:05.123Z (fraction
// only when there is one); BLOB is \x and hex; nested values are JSON.
func Text(v any, typ, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(x)
	case float32:
		return formatFloat(float64(x), 32)
	case float64:
		return formatFloat(x, 64)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return x.String()
	case time.Time:
		return formatTime(x, typ)
	case []byte:
		if strings.EqualFold(typ, "UUID") && len(x) == 16 {
			u := duckdb.UUID(x)
			return u.String()
		}
		return `\x` + hex.EncodeToString(x)
	case duckdb.UUID:
		return x.String()
	case duckdb.Interval:
		return formatInterval(x)
	case duckdb.Union:
		return Text(x.Value, "", null)
	case []any, map[string]any, duckdb.OrderedMap:
		return string(appendJSON(nil, v, typ))
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// formatTime renders a DuckDB time value by its column type.
func formatTime(t time.Time, typ string) string {
	typ = strings.ToUpper(typ)
	switch {
	case typ == "DATE":
		return t.Format("2006-01-02")
	case strings.HasPrefix(typ, "TIME") && !strings.HasPrefix(typ, "TIMESTAMP"):
		return t.Format("15:04:05.999999999")
	case strings.Contains(typ, "TIME ZONE") || typ == "TIMESTAMPTZ":
		return t.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
	}
	return t.Format("2006-01-02T15:04:05.999999999")
}

func formatInterval(iv duckdb.Interval) string {
	var parts []string
	if y, m := iv.Months/12, iv.Months%12; y != 0 || m != 0 {
		if y != 0 {
			parts = append(parts, plural(int64(y), "year"))
		}
		if m != 0 {
			parts = append(parts, plural(int64(m), "month"))
		}
	}
	if iv.Days != 0 {
		parts = append(parts, plural(int64(iv.Days), "day"))
	}
	if iv.Micros != 0 || len(parts) == 0 {
		d := time.Duration(iv.Micros) * time.Microsecond
		sign := ""
		if d < 0 {
			sign, d = "-", -d
		}
		h := d / time.Hour
		d -= h * time.Hour
		m := d / time.Minute
		d -= m * time.Minute
		s := d / time.Second
		d -= s * time.Second
		str := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
		if d > 0 {
			str += strings.TrimRight(fmt.Sprintf(".%06d", d/time.Microsecond), "0")
		}
		parts = append(parts, str)
	}
	return strings.Join(parts, " ")
}

func plural(n int64, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// appendJSON appends v as a JSON value: numbers as numbers (NaN and
// infinities as null), times and blobs as strings as Text renders them.
func appendJSON(b []byte, v any, typ string) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return types.AppendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint, *big.Int, duckdb.Decimal:
		return append(b, Text(x, typ, "")...)
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case []any:
		et := elementType(typ)
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, et)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = types.AppendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k], "")
		}
		return append(b, '}')
	case duckdb.OrderedMap:
		b = append(b, '{')
		for i, k := range x.Keys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = types.AppendJSONString(b, Text(k, "", "null"))
			b = append(b, ':')
			b = appendJSON(b, x.Values()[i], "")
		}
		return append(b, '}')
	}
	return types.AppendJSONString(b, Text(v, typ, ""))
}

// elementType is the element type of a DuckDB list type name ("INTEGER[]").
func elementType(typ string) string {
	if strings.HasSuffix(typ, "[]") {
		return strings.TrimSuffix(typ, "[]")
	}
	return ""
}

// isNumericType reports whether a DuckDB type name is a number (right
// aligned in tables).
func isNumericType(t string) bool {
	t = strings.ToUpper(t)
	switch {
	case strings.HasPrefix(t, "DECIMAL"):
		return true
	case strings.HasSuffix(t, "INT") || strings.HasSuffix(t, "INTEGER"):
		return true
	case t == "FLOAT" || t == "DOUBLE" || t == "REAL":
		return true
	}
	return false
}

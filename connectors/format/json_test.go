package format

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

var seedSchema = types.NewSchema(
	types.Column{Name: "username", Type: types.String},
	types.Column{Name: "text", Type: types.String},
	types.Column{Name: "type", Type: types.String},
	types.Column{Name: "preferredLanguage", Type: types.String},
	types.Column{Name: "timestamp", Type: types.BigInt},
)

const seedRecord = `{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}`

func decodeOne(t *testing.T, schema types.Schema, opts connectors.Options, rec string) (types.Row, error) {
	t.Helper()
	d, err := NewDecoder("json", schema, opts)
	if err != nil {
		t.Fatal(err)
	}
	row := make(types.Row, len(schema.Columns))
	err = d.Decode([]byte(rec), row)
	return row, err
}

func TestJSONDecodeSeed(t *testing.T) {
	row, err := decodeOne(t, seedSchema, nil, seedRecord)
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Value{types.NewString("alice"), types.NewString("Hello world!"), types.NewString("USER_JOINED"),
		types.NewString("es"), types.NewBigInt(1704067200)}
	for i, w := range want {
		if row[i] != w {
			t.Errorf("column %s = %#v, want %#v", seedSchema.Columns[i].Name, row[i], w)
		}
	}
}

func col(name string, t types.Type) types.Schema {
	return types.NewSchema(types.Column{Name: name, Type: t})
}

func TestJSONDecodeTypes(t *testing.T) {
	ts := func(s string) int64 {
		m, ok := parseTimestamp(s)
		if !ok {
			panic(s)
		}
		return m
	}
	const jan1 = int64(1704067200) * 1_000_000
	cases := []struct {
		name string
		typ  types.Type
		rec  string
		want types.Value
	}{
		{"int", types.Int, `{"v":42}`, types.NewInt(42)},
		{"int negative", types.Int, `{"v":-7}`, types.NewInt(-7)},
		{"int from string", types.Int, `{"v":"12"}`, types.NewInt(12)},
		{"int integral float", types.Int, `{"v":3.0}`, types.NewInt(3)},
		{"bigint", types.BigInt, `{"v":9223372036854775807}`, types.NewBigInt(9223372036854775807)},
		{"bigint min", types.BigInt, `{"v":-9223372036854775808}`, types.NewBigInt(-9223372036854775808)},
		{"bigint string", types.BigInt, `{"v":"1704067200"}`, types.NewBigInt(1704067200)},
		{"double", types.Double, `{"v":1.5e3}`, types.NewDouble(1500)},
		{"double from int", types.Double, `{"v":2}`, types.NewDouble(2)},
		{"double string", types.Double, `{"v":"0.25"}`, types.NewDouble(0.25)},
		{"decimal", types.Decimal(10, 2), `{"v":12.345}`, types.NewDecimal(1235, 2)},
		{"decimal negative", types.Decimal(10, 2), `{"v":-0.5}`, types.NewDecimal(-50, 2)},
		{"decimal string", types.Decimal(5, 1), `{"v":"1234.5"}`, types.NewDecimal(12345, 1)},
		{"decimal exponent", types.Decimal(10, 0), `{"v":1e3}`, types.NewDecimal(1000, 0)},
		{"boolean", types.Boolean, `{"v":true}`, types.NewBool(true)},
		{"boolean false", types.Boolean, `{"v":false}`, types.NewBool(false)},
		{"boolean string", types.Boolean, `{"v":"true"}`, types.NewBool(true)},
		{"varchar", types.String, `{"v":"hi"}`, types.NewString("hi")},
		{"varchar from number", types.String, `{"v":12.50}`, types.NewString("12.50")},
		{"varchar from bool", types.String, `{"v":true}`, types.NewString("true")},
		{"varchar escapes", types.String, `{"v":"a\"b\\c\/d\n\t\u00e9"}`, types.NewString("a\"b\\c/d\n\té")},
		{"varchar surrogate pair", types.String, `{"v":"\ud83d\ude00!"}`, types.NewString("😀!")},
		{"varchar unicode raw", types.String, `{"v":"¡Hola mundo! 你好 🎉"}`, types.NewString("¡Hola mundo! 你好 🎉")},
		{"varchar empty", types.String, `{"v":""}`, types.NewString("")},
		{"null", types.String, `{"v":null}`, types.Value{}},
		{"missing", types.String, `{"other":1}`, types.Value{}},
		{"empty object", types.BigInt, `{}`, types.Value{}},
		{"timestamp sql", types.Timestamp, `{"v":"2024-01-01 00:00:00"}`, types.NewTimestamp(jan1)},
		{"timestamp millis", types.Timestamp, `{"v":"2024-01-01 00:00:00.123"}`, types.NewTimestamp(jan1 + 123000)},
		{"timestamp iso z", types.TimestampLTZ, `{"v":"2024-01-01T00:00:00Z"}`, types.NewTimestampLTZ(jan1)},
		{"timestamp iso offset", types.TimestampLTZ, `{"v":"2024-01-01T02:00:00+02:00"}`, types.NewTimestampLTZ(jan1)},
		{"timestamp iso offset no colon", types.TimestampLTZ, `{"v":"2023-12-31T19:00:00.5-0500"}`, types.NewTimestampLTZ(jan1 + 500000)},
		{"timestamp epoch millis", types.TimestampLTZ, `{"v":1704067200000}`, types.NewTimestampLTZ(jan1)},
		{"timestamp epoch millis string", types.Timestamp, `{"v":"1704067200000"}`, types.NewTimestamp(jan1)},
		{"timestamp micros", types.Timestamp, `{"v":"2024-02-29 12:30:45.123456"}`, types.NewTimestamp(ts("2024-02-29 12:30:45.123456"))},
		{"date", types.Date, `{"v":"2024-01-01"}`, types.NewDate(19723)},
		{"date before epoch", types.Date, `{"v":"1969-12-31"}`, types.NewDate(-1)},
		{"json object", types.JSON, `{"v":{"a":[1,2,{"b":"}"}]}}`, types.NewJSON(`{"a":[1,2,{"b":"}"}]}`)},
		{"json array", types.JSON, `{"v": [1, "x"] }`, types.NewJSON(`[1, "x"]`)},
		{"json string", types.JSON, `{"v":"s"}`, types.NewJSON(`"s"`)},
		{"json number", types.JSON, `{"v":3}`, types.NewJSON(`3`)},
		{"bytes base64", types.Bytes, `{"v":"aGk="}`, types.NewBytes("hi")},
		{"whitespace", types.BigInt, " \t{ \"v\" :\n 5 } \r\n", types.NewBigInt(5)},
		{"escaped key", types.BigInt, `{"\u0076":6}`, types.NewBigInt(6)},
		{"duplicate key last wins", types.BigInt, `{"v":1,"v":2}`, types.NewBigInt(2)},
		{"skips nested unknown", types.BigInt, `{"x":{"y":[{"z":"]}"},null,true,false,-1.5e-3]},"v":8,"w":"\"q"}`, types.NewBigInt(8)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row, err := decodeOne(t, col("v", c.typ), nil, c.rec)
			if err != nil {
				t.Fatalf("decode %s: %v", c.rec, err)
			}
			if row[0] != c.want {
				t.Fatalf("decode %s = %#v (%s), want %#v (%s)", c.rec, row[0], row[0], c.want, c.want)
			}
		})
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	cases := []struct {
		name   string
		typ    types.Type
		rec    string
		kind   error
		offset int
		field  string
	}{
		{"bigint from word", types.BigInt, `{"v":"abc"}`, ErrFieldType, 5, "v"},
		{"int overflow", types.Int, `{"v":3000000000}`, ErrFieldType, 5, "v"},
		{"bigint overflow", types.BigInt, `{"v":9223372036854775808}`, ErrFieldType, 5, "v"},
		{"int fraction", types.Int, `{"v":1.5}`, ErrFieldType, 5, "v"},
		{"varchar from object", types.String, `{"v":{"a":1}}`, ErrFieldType, 5, "v"},
		{"varchar from array", types.String, `{"v":[1]}`, ErrFieldType, 5, "v"},
		{"boolean from number", types.Boolean, `{"v":1}`, ErrFieldType, 5, "v"},
		{"boolean from word", types.Boolean, `{"v":"yes"}`, ErrFieldType, 5, "v"},
		{"bigint from bool", types.BigInt, `{"v":true}`, ErrFieldType, 5, "v"},
		{"timestamp bad", types.Timestamp, `{"v":"2024-13-01 00:00:00"}`, ErrFieldType, 5, "v"},
		{"timestamp bad zone", types.TimestampLTZ, `{"v":"2024-01-01T00:00:00+2"}`, ErrFieldType, 5, "v"},
		{"date bad day", types.Date, `{"v":"2023-02-29"}`, ErrFieldType, 5, "v"},
		{"decimal too wide", types.Decimal(4, 2), `{"v":123.4}`, ErrFieldType, 5, "v"},
		{"double from word", types.Double, `{"v":"x"}`, ErrFieldType, 5, "v"},
		{"not an object", types.BigInt, `[1,2]`, ErrSyntax, 0, ""},
		{"empty", types.BigInt, ``, ErrSyntax, 0, ""},
		{"spaces only", types.BigInt, `   `, ErrSyntax, 3, ""},
		{"truncated", types.BigInt, `{"v":1`, ErrSyntax, 6, ""},
		{"truncated string", types.String, `{"v":"abc`, ErrSyntax, 5, ""},
		{"truncated key", types.String, `{"v`, ErrSyntax, 1, ""},
		{"truncated nested", types.BigInt, `{"x":{"a":[1,2}`, ErrSyntax, 5, ""},
		{"trailing junk", types.BigInt, `{"v":1} x`, ErrSyntax, 8, ""},
		{"two objects", types.BigInt, `{"v":1}{"v":2}`, ErrSyntax, 7, ""},
		{"missing colon", types.BigInt, `{"v" 1}`, ErrSyntax, 5, ""},
		{"missing comma", types.BigInt, `{"v":1 "w":2}`, ErrSyntax, 7, ""},
		{"unquoted key", types.BigInt, `{v:1}`, ErrSyntax, 1, ""},
		{"bad literal", types.BigInt, `{"v":nul}`, ErrSyntax, 5, ""},
		{"bad escape", types.String, `{"v":"a\q"}`, ErrSyntax, 5, ""},
		{"control char", types.String, "{\"v\":\"a\nb\"}", ErrSyntax, 7, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeOne(t, col("v", c.typ), nil, c.rec)
			if !errors.Is(err, c.kind) {
				t.Fatalf("decode %q: err = %v, want %v", c.rec, err, c.kind)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			if de.Offset != c.offset || de.Field != c.field {
				t.Fatalf("error %q: offset %d field %q, want offset %d field %q", err, de.Offset, de.Field, c.offset, c.field)
			}
			if c.field != "" && !strings.Contains(err.Error(), "'"+c.field+"'") {
				t.Fatalf("error %q does not name the field", err)
			}
		})
	}
}

func TestJSONOptions(t *testing.T) {
	schema := types.NewSchema(types.Column{Name: "a", Type: types.BigInt}, types.Column{Name: "b", Type: types.String})
	t.Run("fail-on-missing-field", func(t *testing.T) {
		_, err := decodeOne(t, schema, connectors.Options{OptJSONFailOnMissingField: "true"}, `{"a":1}`)
		if !errors.Is(err, ErrMissingField) || !strings.Contains(err.Error(), "'b'") {
			t.Fatalf("err = %v, want missing field b", err)
		}
		if _, err := decodeOne(t, schema, connectors.Options{OptJSONFailOnMissingField: "true"}, `{"a":1,"b":null}`); err != nil {
			t.Fatalf("null is present, not missing: %v", err)
		}
	})
	t.Run("ignore-parse-errors", func(t *testing.T) {
		row, err := decodeOne(t, schema, connectors.Options{OptJSONIgnoreParseErrors: "true"}, `{"a":"abc","b":"ok"}`)
		if err != nil {
			t.Fatal(err)
		}
		if !row[0].IsNull() || row[1].Str() != "ok" {
			t.Fatalf("row = %v", row)
		}
		if _, err := decodeOne(t, schema, connectors.Options{OptJSONIgnoreParseErrors: "true"}, `{"a":`); !errors.Is(err, ErrSyntax) {
			t.Fatalf("malformed JSON must still fail, got %v", err)
		}
	})
	t.Run("reused decoder resets row", func(t *testing.T) {
		d := NewJSONDecoder(schema, connectors.Options{OptJSONFailOnMissingField: "true"})
		row := make(types.Row, 2)
		if err := d.Decode([]byte(`{"a":1,"b":"x"}`), row); err != nil {
			t.Fatal(err)
		}
		if err := d.Decode([]byte(`{"a":2}`), row); !errors.Is(err, ErrMissingField) {
			t.Fatalf("second record lacks b: %v", err)
		}
		d2 := NewJSONDecoder(schema, nil)
		d2.Decode([]byte(`{"a":1,"b":"x"}`), row)
		d2.Decode([]byte(`{"a":2}`), row)
		if !row[1].IsNull() {
			t.Fatalf("stale value survived: %v", row)
		}
	})
}

func TestJSONDecodeLargeRecordCopies(t *testing.T) {
	big := strings.Repeat("x", shareLimit+10)
	rec := []byte(`{"v":"` + big + `"}`)
	d := NewJSONDecoder(col("v", types.String), nil)
	row := make(types.Row, 1)
	if err := d.Decode(rec, row); err != nil {
		t.Fatal(err)
	}
	rec[7] = 'y' // the decoded value must not alias the record buffer
	if row[0].Str() != big {
		t.Fatal("decoded string aliases the input buffer")
	}
}

func TestJSONEncode(t *testing.T) {
	out := types.NewSchema(
		types.Column{Name: "type", Type: types.String},
		types.Column{Name: "timestamp", Type: types.BigInt},
		types.Column{Name: "payload", Type: types.JSON},
	)
	payload := `{"id":"msg-websocket_fanout-0-0","username":"alice","text":"Hello world!","translated":"¡Hola mundo!","language":"es"}`
	cases := []struct {
		name   string
		schema types.Schema
		row    types.Row
		want   string
	}{
		{"seed output", out, types.Row{types.NewString("chat_message"), types.NewBigInt(1704067200), types.NewJSON(payload)},
			`{"type":"chat_message","timestamp":1704067200,"payload":` + payload + `}`},
		{"json column from string", out, types.Row{types.NewString("x"), types.Value{}, types.NewString(`{"a":1}`)},
			`{"type":"x","timestamp":null,"payload":{"a":1}}`},
		{"json column from non-json string", out, types.Row{types.NewString("x"), types.NewBigInt(1), types.NewString(`not json`)},
			`{"type":"x","timestamp":1,"payload":"not json"}`},
		{"escapes", col("s", types.String), types.Row{types.NewString("a\"b\\\n\u0001é")}, `{"s":"a\"b\\\n\u0001é"}`},
		{"every type", types.NewSchema(
			types.Column{Name: "b", Type: types.Boolean}, types.Column{Name: "i", Type: types.Int},
			types.Column{Name: "d", Type: types.Double}, types.Column{Name: "m", Type: types.Decimal(10, 2)},
			types.Column{Name: "t", Type: types.Timestamp}, types.Column{Name: "l", Type: types.TimestampLTZ},
			types.Column{Name: "dt", Type: types.Date}, types.Column{Name: "y", Type: types.Bytes}),
			types.Row{types.NewBool(true), types.NewInt(-3), types.NewDouble(0.5), types.NewDecimal(1234, 2),
				types.NewTimestamp(1704067200_123_000), types.NewTimestampLTZ(1704067200_000_000), types.NewDate(19723), types.NewBytes("hi")},
			`{"b":true,"i":-3,"d":0.5,"m":12.34,"t":"2024-01-01 00:00:00.123","l":"2024-01-01 00:00:00.000Z","dt":"2024-01-01","y":"aGk="}`},
		{"no columns", types.NewSchema(), types.Row{}, `{}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := NewEncoder("json", c.schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Encode([]byte("prefix:"), c.row)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "prefix:"+c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestJSONRoundTrip decodes what the encoder wrote for every type.
func TestJSONRoundTrip(t *testing.T) {
	schema := types.NewSchema(
		types.Column{Name: "b", Type: types.Boolean}, types.Column{Name: "i", Type: types.Int},
		types.Column{Name: "g", Type: types.BigInt}, types.Column{Name: "d", Type: types.Double},
		types.Column{Name: "m", Type: types.Decimal(10, 2)}, types.Column{Name: "s", Type: types.String},
		types.Column{Name: "t", Type: types.Timestamp}, types.Column{Name: "l", Type: types.TimestampLTZ},
		types.Column{Name: "dt", Type: types.Date}, types.Column{Name: "j", Type: types.JSON},
		types.Column{Name: "y", Type: types.Bytes}, types.Column{Name: "n", Type: types.String})
	row := types.Row{types.NewBool(false), types.NewInt(7), types.NewBigInt(-1 << 60), types.NewDouble(3.25),
		types.NewDecimal(-505, 2), types.NewString("¡Hola \"mundo\"!\n😀"), types.NewTimestamp(1704067200_123_000),
		types.NewTimestampLTZ(1704067200_456_000), types.NewDate(-400), types.NewJSON(`{"k":[1,2]}`), types.NewBytes("\x00\xff"), types.Value{}}
	enc := NewJSONEncoder(schema)
	rec, _ := enc.Encode(nil, row)
	got := make(types.Row, len(row))
	if err := NewJSONDecoder(schema, nil).Decode(rec, got); err != nil {
		t.Fatalf("decode %s: %v", rec, err)
	}
	for i := range row {
		if got[i] != row[i] {
			t.Errorf("%s: got %#v want %#v (record %s)", schema.Columns[i].Name, got[i], row[i], rec)
		}
	}
}

func BenchmarkJSONDecode(b *testing.B) {
	d := NewJSONDecoder(seedSchema, nil)
	row := make(types.Row, len(seedSchema.Columns))
	rec := []byte(seedRecord)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(rec, row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	out := types.NewSchema(
		types.Column{Name: "type", Type: types.String},
		types.Column{Name: "timestamp", Type: types.BigInt},
		types.Column{Name: "payload", Type: types.JSON},
	)
	row := types.Row{types.NewString("chat_message"), types.NewBigInt(1704067200),
		types.NewJSON(`{"id":"msg-websocket_fanout-0-0","username":"alice","text":"Hello world!","translated":"¡Hola mundo!","language":"es"}`)}
	e := NewJSONEncoder(out)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.Encode(buf[:0], row)
	}
	b.SetBytes(int64(len(buf)))
}

package format

import (
	"errors"
	"testing"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

var csvSchema = types.NewSchema(
	types.Column{Name: "name", Type: types.String},
	types.Column{Name: "n", Type: types.BigInt},
	types.Column{Name: "ts", Type: types.Timestamp},
	types.Column{Name: "ok", Type: types.Boolean},
)

func TestCSVDecode(t *testing.T) {
	const jan1 = int64(1704067200) * 1_000_000
	cases := []struct {
		name   string
		opts   connectors.Options
		header string
		rec    string
		want   types.Row
	}{
		{"positional", nil, "", `bob,3,2024-01-01 00:00:00,true`,
			types.Row{types.NewString("bob"), types.NewBigInt(3), types.NewTimestamp(jan1), types.NewBool(true)}},
		{"by header with unknown and missing", nil, "ok,extra,name", `false,zzz,"a, b"`,
			types.Row{types.NewString("a, b"), {}, {}, types.NewBool(false)}},
		{"doubled quotes", nil, "", `"say ""hi""",1,,`,
			types.Row{types.NewString(`say "hi"`), types.NewBigInt(1), {}, {}}},
		{"quoted line break", nil, "", "\"a\nb\",2\r\n",
			types.Row{types.NewString("a\nb"), types.NewBigInt(2), {}, {}}},
		{"empty unquoted is null, quoted is empty", nil, "", `"",,,`,
			types.Row{types.NewString(""), {}, {}, {}}},
		{"null literal", connectors.Options{OptCSVNullLiteral: "NULL"}, "", `NULL,NULL,,`,
			types.Row{{}, {}, {}, {}}},
		{"tab delimiter", connectors.Options{OptCSVFieldDelimiter: `\t`}, "", "x\t5",
			types.Row{types.NewString("x"), types.NewBigInt(5), {}, {}}},
		{"semicolon and single quote", connectors.Options{OptCSVFieldDelimiter: ";", OptCSVQuoteCharacter: "'"}, "", `'a;b';7`,
			types.Row{types.NewString("a;b"), types.NewBigInt(7), {}, {}}},
		{"unicode", nil, "", `¡Hola mundo! 😀,1`,
			types.Row{types.NewString("¡Hola mundo! 😀"), types.NewBigInt(1), {}, {}}},
		{"more fields than columns", nil, "", `a,1,,,x,y`,
			types.Row{types.NewString("a"), types.NewBigInt(1), {}, {}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := NewCSVDecoder(csvSchema, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.header != "" {
				if err := d.ReadHeader([]byte(c.header)); err != nil {
					t.Fatal(err)
				}
			}
			row := make(types.Row, 4)
			if err := d.Decode([]byte(c.rec), row); err != nil {
				t.Fatalf("decode %q: %v", c.rec, err)
			}
			for i := range c.want {
				if row[i] != c.want[i] {
					t.Errorf("%s = %#v, want %#v", csvSchema.Columns[i].Name, row[i], c.want[i])
				}
			}
		})
	}
}

func TestCSVDecodeErrors(t *testing.T) {
	cases := []struct {
		name  string
		opts  connectors.Options
		rec   string
		kind  error
		field string
	}{
		{"bigint from word", nil, `a,abc`, ErrFieldType, "n"},
		{"bad timestamp", nil, `a,1,yesterday`, ErrFieldType, "ts"},
		{"bad boolean", nil, `a,1,,maybe`, ErrFieldType, "ok"},
		{"unterminated quote", nil, `"abc,1`, ErrSyntax, ""},
		{"junk after quote", nil, `"a"b,1`, ErrSyntax, ""},
		{"ignore-parse-errors keeps syntax errors", connectors.Options{OptCSVIgnoreParseErrors: "true"}, `"abc,1`, ErrSyntax, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := NewCSVDecoder(csvSchema, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = d.Decode([]byte(c.rec), make(types.Row, 4))
			var de *DecodeError
			if !errors.Is(err, c.kind) || !errors.As(err, &de) || de.Field != c.field {
				t.Fatalf("decode %q: err = %v, want %v in field %q", c.rec, err, c.kind, c.field)
			}
		})
	}
	t.Run("ignore-parse-errors nulls the field", func(t *testing.T) {
		d, _ := NewCSVDecoder(csvSchema, connectors.Options{OptCSVIgnoreParseErrors: "true"})
		row := make(types.Row, 4)
		if err := d.Decode([]byte(`a,abc`), row); err != nil || !row[1].IsNull() || row[0].Str() != "a" {
			t.Fatalf("row %v err %v", row, err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []connectors.Options{{OptCSVFieldDelimiter: ";;"}, {OptCSVQuoteCharacter: ""}, {OptCSVFieldDelimiter: `"`}} {
			if _, err := NewCSVDecoder(csvSchema, o); !errors.Is(err, connectors.ErrBadOption) {
				t.Errorf("options %v: err = %v, want ErrBadOption", o, err)
			}
		}
	})
}

func TestCSVEncodeRoundTrip(t *testing.T) {
	schema := types.NewSchema(
		types.Column{Name: "s", Type: types.String}, types.Column{Name: "i", Type: types.Int},
		types.Column{Name: "d", Type: types.Double}, types.Column{Name: "m", Type: types.Decimal(6, 2)},
		types.Column{Name: "b", Type: types.Boolean}, types.Column{Name: "t", Type: types.TimestampLTZ},
		types.Column{Name: "dt", Type: types.Date}, types.Column{Name: "j", Type: types.JSON},
		types.Column{Name: "y", Type: types.Bytes}, types.Column{Name: "e", Type: types.String},
		types.Column{Name: "n", Type: types.String})
	row := types.Row{types.NewString("a,\"b\"\nc"), types.NewInt(-4), types.NewDouble(1.5), types.NewDecimal(-1234, 2),
		types.NewBool(true), types.NewTimestampLTZ(1704067200_250_000), types.NewDate(19723), types.NewJSON(`{"a":[1,2]}`),
		types.NewBytes("\x00hi"), types.NewString(""), types.Value{}}
	e, err := NewCSVEncoder(schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := string(e.AppendHeader(nil)); h != "s,i,d,m,b,t,dt,j,y,e,n" {
		t.Fatalf("header %q", h)
	}
	rec, _ := e.Encode(nil, row)
	const want = "\"a,\"\"b\"\"\nc\",-4,1.5,-12.34,true,2024-01-01 00:00:00.250Z,2024-01-01,\"{\"\"a\"\":[1,2]}\",AGhp,\"\","
	if string(rec) != want {
		t.Fatalf("encoded\n%q\nwant\n%q", rec, want)
	}
	d, _ := NewCSVDecoder(schema, nil)
	got := make(types.Row, len(row))
	if err := d.Decode(rec, got); err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if got[i] != row[i] {
			t.Errorf("%s: got %#v want %#v", schema.Columns[i].Name, got[i], row[i])
		}
	}
}

func TestRaw(t *testing.T) {
	s := types.NewSchema(types.Column{Name: "line", Type: types.String})
	d, err := NewDecoder("raw", s, nil)
	if err != nil {
		t.Fatal(err)
	}
	row := make(types.Row, 1)
	if err := d.Decode([]byte(`{"not":"parsed"}`), row); err != nil || row[0] != types.NewString(`{"not":"parsed"}`) {
		t.Fatalf("row %v err %v", row, err)
	}
	e, _ := NewEncoder("raw", s, nil)
	if out, _ := e.Encode(nil, types.Row{types.NewString("x y")}); string(out) != "x y" {
		t.Fatalf("encoded %q", out)
	}
	bs := types.NewSchema(types.Column{Name: "b", Type: types.Bytes})
	bd, _ := NewDecoder("raw", bs, nil)
	bd.Decode([]byte{0, 1}, row)
	if row[0] != types.NewBytes("\x00\x01") {
		t.Fatalf("bytes row %v", row)
	}
	for _, bad := range []types.Schema{types.NewSchema(), types.NewSchema(types.Column{Name: "n", Type: types.BigInt}),
		types.NewSchema(types.Column{Name: "a", Type: types.String}, types.Column{Name: "b", Type: types.String})} {
		if _, err := NewDecoder("raw", bad, nil); !errors.Is(err, ErrRawSchema) {
			t.Errorf("schema %v: err %v, want ErrRawSchema", bad, err)
		}
	}
}

func TestOptionsFor(t *testing.T) {
	got := OptionsFor("json", "csv", "raw", "nope", "json")
	names := map[string]bool{}
	for _, o := range got {
		if names[o.Name] {
			t.Fatalf("duplicate option %s", o.Name)
		}
		names[o.Name] = true
	}
	for _, want := range []string{OptJSONIgnoreParseErrors, OptJSONFailOnMissingField, OptCSVFieldDelimiter, OptCSVNullLiteral} {
		if !names[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
}

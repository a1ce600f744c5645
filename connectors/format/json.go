package format

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

// JSON format options (Flink's names).
const (
	OptJSONFailOnMissingField = "json.fail-on-missing-field"
	OptJSONIgnoreParseErrors  = "json.ignore-parse-errors"
)

func init() {
	Register(Factory{
		Name:       "json",
		NewDecoder: func(s types.Schema, o connectors.Options) (Decoder, error) { return NewJSONDecoder(s, o), nil },
		NewEncoder: func(s types.Schema, o connectors.Options) (Encoder, error) { return NewJSONEncoder(s), nil },
		Options: []connectors.Option{
			{Name: OptJSONFailOnMissingField, Type: connectors.OptBool, Default: "false",
				Description: "Fail (dead-letter the record) when a column has no field in the JSON object; by default it is NULL."},
			{Name: OptJSONIgnoreParseErrors, Type: connectors.OptBool, Default: "false",
				Description: "Set fields that do not convert to their column's type to NULL instead of dead-lettering the record. Malformed JSON is still dead-lettered."},
		},
	})
}

// shareLimit is the record size up to which decoded strings are substrings
// of one copy of the record (one allocation per record) rather than copies
// of their own: it keeps small records cheap without letting a huge record
// stay alive because one small field of it does.
const shareLimit = 4096

// JSONDecoder decodes one JSON object per record into the schema's columns
// in a single pass over the bytes: top-level keys are matched to columns,
// unknown keys and nested values are skipped without being decoded, and a
// string is unescaped only when it contains escapes. A decoder keeps
// scratch state: use one per goroutine.
type JSONDecoder struct {
	cols          []types.Column
	index         map[string]int
	failOnMissing bool
	ignoreErrors  bool
	seen          []uint32 // generation at which column i was last set
	gen           uint32
	scratch       []byte
	names         [][]byte // column names, to check the predicted column
}

// NewJSONDecoder builds a decoder for schema with the json.* options in opts.
func NewJSONDecoder(schema types.Schema, opts connectors.Options) *JSONDecoder {
	d := &JSONDecoder{
		cols:          schema.Columns,
		index:         make(map[string]int, len(schema.Columns)),
		failOnMissing: opts.Bool(OptJSONFailOnMissingField),
		ignoreErrors:  opts.Bool(OptJSONIgnoreParseErrors),
		seen:          make([]uint32, len(schema.Columns)),
	}
	for i, c := range schema.Columns {
		d.index[c.Name] = i
		d.names = append(d.names, []byte(c.Name))
	}
	return d
}

// jsonRecord is the state of decoding one record.
type jsonRecord struct {
	data   []byte
	shared string // string(data), made on first need when data is small
}

// str returns data[a:b] as a string, sharing one copy of a small record.
func (r *jsonRecord) str(a, b int) string {
	if len(r.data) > shareLimit {
		return string(r.data[a:b])
	}
	if r.shared == "" {
		r.shared = string(r.data)
	}
	return r.shared[a:b]
}

// Decode implements Decoder.
func (d *JSONDecoder) Decode(data []byte, row types.Row) error {
	for i := range d.cols {
		row[i] = types.Value{}
	}
	d.gen++
	if d.gen == 0 { // wrapped: forget every stamp
		clear(d.seen)
		d.gen = 1
	}
	r := jsonRecord{data: data}
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		if i >= len(data) {
			return d.syntax(i, "empty record, expected a JSON object")
		}
		return d.syntax(i, "expected a JSON object, found "+quoteSnippet(string(data[i:min(i+10, len(data))])))
	}
	i = skipWS(data, i+1)
	next := 0 // the column predicted for the next key: writers usually keep one order
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			if i >= len(data) {
				return d.syntax(i, "unexpected end of record, expected a key")
			}
			if data[i] != '"' {
				return d.syntax(i, "expected a quoted key")
			}
			ks, ke, esc, err := d.scanString(data, i)
			if err != nil {
				return err
			}
			key := data[ks:ke]
			if esc {
				d.scratch, _ = unescape(d.scratch[:0], key)
				key = d.scratch
			}
			var col int
			var known bool
			if next < len(d.names) && string(d.names[next]) == string(key) {
				col, known = next, true
			} else {
				col, known = d.index[string(key)]
			}
			if known {
				next = col + 1
			}
			i = skipWS(data, ke+1)
			if i >= len(data) || data[i] != ':' {
				return d.syntax(i, "expected ':' after a key")
			}
			i = skipWS(data, i+1)
			if known {
				i, err = d.value(&r, i, col, row)
			} else {
				i, err = d.skipValue(data, i)
			}
			if err != nil {
				return err
			}
			i = skipWS(data, i)
			if i >= len(data) {
				return d.syntax(i, "unexpected end of record, expected ',' or '}'")
			}
			if data[i] == ',' {
				i = skipWS(data, i+1)
				continue
			}
			if data[i] == '}' {
				i++
				break
			}
			return d.syntax(i, "expected ',' or '}'")
		}
	}
	if i = skipWS(data, i); i != len(data) {
		return d.syntax(i, "unexpected data after the JSON object")
	}
	if d.failOnMissing {
		for c := range d.cols {
			if d.seen[c] != d.gen {
				return &DecodeError{Format: "json", Offset: -1, Field: d.cols[c].Name, Kind: ErrMissingField,
					Detail: "the record has no such key (json.fail-on-missing-field is true)"}
			}
		}
	}
	return nil
}

func (d *JSONDecoder) syntax(off int, detail string) error {
	return &DecodeError{Format: "json", Offset: off, Kind: ErrSyntax, Detail: detail}
}

// fieldErr reports a conversion failure, or swallows it (leaving NULL) when
// json.ignore-parse-errors is set.
func (d *JSONDecoder) fieldErr(col, off int, detail string) error {
	if d.ignoreErrors {
		return nil
	}
	return &DecodeError{Format: "json", Offset: off, Field: d.cols[col].Name, Kind: ErrFieldType, Detail: detail}
}

// value decodes the value at data[i] into row[col] and returns the offset
// after it.
func (d *JSONDecoder) value(r *jsonRecord, i, col int, row types.Row) (int, error) {
	data := r.data
	if i >= len(data) {
		return i, d.syntax(i, "unexpected end of record, expected a value")
	}
	d.seen[col] = d.gen
	t := d.cols[col].Type
	start := i
	switch c := data[i]; {
	case c == '"':
		s, e, esc, err := d.scanString(data, i)
		if err != nil {
			return i, err
		}
		end := e + 1
		if t.Kind == types.KindString && !esc {
			row[col] = types.NewString(r.str(s, e))
			return end, nil
		}
		if t.Kind == types.KindJSON {
			row[col] = types.NewJSON(r.str(start, end))
			return end, nil
		}
		var text string
		if esc {
			var ok bool
			d.scratch, ok = unescape(d.scratch[:0], data[s:e])
			if !ok {
				return i, d.syntax(start, "bad escape in string")
			}
			text = string(d.scratch)
		} else {
			text = r.str(s, e)
		}
		v, err := ParseText(t, text)
		if err != nil {
			return end, d.fieldErr(col, start, err.Error())
		}
		row[col] = v
		return end, nil
	case c == '-' || (c >= '0' && c <= '9'):
		end, isInt := scanNumber(data, i)
		if end == i {
			return i, d.syntax(i, "bad number")
		}
		num := data[i:end]
		switch t.Kind {
		case types.KindInt, types.KindBigInt, types.KindTimestamp, types.KindTimestampLTZ:
			var n int64
			ok := false
			if isInt {
				n, ok = parseIntBytes(num)
			} else {
				n, ok = parseIntText(string(num))
			}
			if !ok || (t.Kind == types.KindInt && (n < math.MinInt32 || n > math.MaxInt32)) {
				return end, d.fieldErr(col, start, typeErr(string(num), t).Error())
			}
			switch t.Kind {
			case types.KindInt:
				row[col] = types.NewInt(n)
			case types.KindBigInt:
				row[col] = types.NewBigInt(n)
			case types.KindTimestamp: // epoch millis
				row[col] = types.NewTimestamp(n * 1000)
			default:
				row[col] = types.NewTimestampLTZ(n * 1000)
			}
		case types.KindDouble:
			f, err := strconv.ParseFloat(string(num), 64)
			if err != nil {
				return end, d.fieldErr(col, start, typeErr(string(num), t).Error())
			}
			row[col] = types.NewDouble(f)
		case types.KindDecimal:
			u, ok := parseDecimal(string(num), t.Precision, t.Scale)
			if !ok {
				return end, d.fieldErr(col, start, typeErr(string(num), t).Error())
			}
			row[col] = types.NewDecimal(u, t.Scale)
		case types.KindString:
			row[col] = types.NewString(r.str(i, end))
		case types.KindJSON:
			row[col] = types.NewJSON(r.str(i, end))
		default:
			return end, d.fieldErr(col, start, "a number is not a valid "+t.Nullable().String())
		}
		return end, nil
	case c == 'n':
		if !hasLiteral(data, i, "null") {
			return i, d.syntax(i, "bad literal, expected null")
		}
		return i + 4, nil
	case c == 't' || c == 'f':
		lit, b := "false", false
		if c == 't' {
			lit, b = "true", true
		}
		if !hasLiteral(data, i, lit) {
			return i, d.syntax(i, "bad literal, expected "+lit)
		}
		end := i + len(lit)
		switch t.Kind {
		case types.KindBoolean:
			row[col] = types.NewBool(b)
		case types.KindString:
			row[col] = types.NewString(lit)
		case types.KindJSON:
			row[col] = types.NewJSON(lit)
		default:
			return end, d.fieldErr(col, start, "a boolean is not a valid "+t.Nullable().String())
		}
		return end, nil
	case c == '{' || c == '[':
		end, err := d.skipValue(data, i)
		if err != nil {
			return end, err
		}
		if t.Kind == types.KindJSON {
			row[col] = types.NewJSON(r.str(i, end))
			return end, nil
		}
		what := "an object"
		if c == '[' {
			what = "an array"
		}
		return end, d.fieldErr(col, start, what+" is not a valid "+t.Nullable().String())
	}
	return i, d.syntax(i, "unexpected character "+strconv.QuoteRune(rune(data[i])))
}

// stringStop marks the bytes that end the fast scan of a string's content.
var stringStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// swarStop reports whether any of the eight bytes in x is a quote, a
// backslash or a control character (the classic has-zero-byte tricks).
func swarStop(x uint64) bool {
	quote := x ^ (swarOnes * '"')
	bslash := x ^ (swarOnes * '\\')
	zero := func(v uint64) uint64 { return (v - swarOnes) & ^v & swarHigh }
	less20 := (x - swarOnes*0x20) & ^x & swarHigh
	return zero(quote)|zero(bslash)|less20 != 0
}

func hasLiteral(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

// skipWS returns the offset of the first non-space byte at or after i.
func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString scans the string whose opening quote is at data[i]: it returns
// the content's bounds [s, e) (e is the closing quote) and whether the
// content has escapes.
func (d *JSONDecoder) scanString(data []byte, i int) (s, e int, esc bool, err error) {
	s = i + 1
	for j := s; j < len(data); j++ {
		// Eight bytes at a time while none of them can end the scan.
		for j+8 <= len(data) && !swarStop(binary.LittleEndian.Uint64(data[j:])) {
			j += 8
		}
		if j >= len(data) {
			break
		}
		c := data[j]
		if !stringStop[c] {
			continue
		}
		switch {
		case c == '"':
			return s, j, esc, nil
		case c == '\\':
			esc = true
			j++
		default:
			return s, j, esc, d.syntax(j, "control character in string")
		}
	}
	return s, len(data), esc, d.syntax(i, "unterminated string")
}

// scanNumber returns the end of the number at data[i] and whether it is a
// plain integer (no fraction or exponent). The grammar is checked loosely;
// strconv rejects what slips through.
func scanNumber(data []byte, i int) (int, bool) {
	j := i
	if j < len(data) && data[j] == '-' {
		j++
	}
	isInt := true
	for ; j < len(data); j++ {
		c := data[j]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
			isInt = false
		default:
			return j, isInt
		}
	}
	return j, isInt
}

// skipValue skips any JSON value at data[i], nested or not, checking only
// that brackets balance and strings end.
func (d *JSONDecoder) skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return i, d.syntax(i, "unexpected end of record, expected a value")
	}
	switch c := data[i]; {
	case c == '"':
		_, e, _, err := d.scanString(data, i)
		return e + 1, err
	case c == '{' || c == '[':
		depth := 0
		start := i
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				_, e, _, err := d.scanString(data, i)
				if err != nil {
					return e, err
				}
				i = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return i, d.syntax(start, "unterminated object or array")
	case c == '-' || (c >= '0' && c <= '9'):
		end, _ := scanNumber(data, i)
		return end, nil
	case c == 't':
		if hasLiteral(data, i, "true") {
			return i + 4, nil
		}
	case c == 'f':
		if hasLiteral(data, i, "false") {
			return i + 5, nil
		}
	case c == 'n':
		if hasLiteral(data, i, "null") {
			return i + 4, nil
		}
	}
	return i, d.syntax(i, "unexpected character "+strconv.QuoteRune(rune(data[i])))
}

func parseIntBytes(b []byte) (int64, bool) {
	neg := false
	i := 0
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	if i == len(b) || len(b)-i > 19 {
		return parseInt(string(b)) // rare: let the careful path decide
	}
	var u uint64
	for ; i < len(b); i++ {
		u = u*10 + uint64(b[i]-'0')
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

// unescape appends the unescaped content of a JSON string to buf. It
// reports false on a malformed escape.
func unescape(buf, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			buf = append(buf, c)
			continue
		}
		i++
		if i >= len(s) {
			return buf, false
		}
		switch s[i] {
		case '"', '\\', '/':
			buf = append(buf, s[i])
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(s, i+1)
			if !ok {
				return buf, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2, ok2 = hex4(s, i+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return buf, false
		}
	}
	return buf, true
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// JSONEncoder renders a row as one JSON object with the schema's column
// names as keys, in schema order.
type JSONEncoder struct {
	prefixes [][]byte // `{"name":` for the first column, `,"name":` after
	kinds    []types.Kind
}

// NewJSONEncoder builds an encoder for schema.
func NewJSONEncoder(schema types.Schema) *JSONEncoder {
	e := &JSONEncoder{}
	for i, c := range schema.Columns {
		var p []byte
		if i == 0 {
			p = append(p, '{')
		} else {
			p = append(p, ',')
		}
		p = types.AppendJSONString(p, c.Name)
		p = append(p, ':')
		e.prefixes = append(e.prefixes, p)
		e.kinds = append(e.kinds, c.Type.Kind)
	}
	return e
}

// Encode implements Encoder. A JSON column holding a string that is itself
// valid JSON is embedded, not quoted, so that text produced by string
// functions still nests as a document.
func (e *JSONEncoder) Encode(buf []byte, row types.Row) ([]byte, error) {
	if len(e.prefixes) == 0 {
		return append(buf, '{', '}'), nil
	}
	for i, p := range e.prefixes {
		buf = append(buf, p...)
		v := row[i]
		if e.kinds[i] == types.KindJSON && v.Kind() == types.KindString && json.Valid([]byte(v.Str())) {
			buf = append(buf, v.Str()...)
			continue
		}
		buf = types.AppendJSON(buf, v)
	}
	return append(buf, '}'), nil
}

var (
	_ Decoder = (*JSONDecoder)(nil)
	_ Encoder = (*JSONEncoder)(nil)
)

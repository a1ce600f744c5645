package format

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

// CSV format options (Flink's names).
const (
	OptCSVFieldDelimiter    = "csv.field-delimiter"
	OptCSVQuoteCharacter    = "csv.quote-character"
	OptCSVNullLiteral       = "csv.null-literal"
	OptCSVIgnoreParseErrors = "csv.ignore-parse-errors"
)

// HeaderReader is implemented by decoders of formats whose input starts with
// a header (CSV): a reader passes the first line of each file to ReadHeader,
// and later records are decoded by the header's names.
type HeaderReader interface {
	ReadHeader(line []byte) error
}

// HeaderWriter is implemented by encoders of formats whose output starts
// with a header: a writer puts AppendHeader's line (no newline) first, once.
type HeaderWriter interface {
	AppendHeader(buf []byte) []byte
}

func init() {
	Register(Factory{
		Name: "csv",
		NewDecoder: func(s types.Schema, o connectors.Options) (Decoder, error) {
			return NewCSVDecoder(s, o)
		},
		NewEncoder: func(s types.Schema, o connectors.Options) (Encoder, error) {
			return NewCSVEncoder(s, o)
		},
		Options: []connectors.Option{
			{Name: OptCSVFieldDelimiter, Type: connectors.OptString, Default: ",",
				Description: "Field delimiter, one character ('\\t' or 'tab' for a tab)."},
			{Name: OptCSVQuoteCharacter, Type: connectors.OptString, Default: `"`,
				Description: "Quote character around fields that contain the delimiter, quotes or line breaks; doubled inside a quoted field."},
			{Name: OptCSVNullLiteral, Type: connectors.OptString,
				Description: "Unquoted field text that means NULL (by default an empty unquoted field is NULL; a quoted empty field is an empty string)."},
			{Name: OptCSVIgnoreParseErrors, Type: connectors.OptBool, Default: "false",
				Description: "Set fields that do not convert to their column's type to NULL instead of dead-lettering the record."},
		},
	})
}

type csvDialect struct {
	delim, quote byte
	null         string
}

func csvDialectOf(opts connectors.Options) (csvDialect, error) {
	d := csvDialect{delim: ',', quote: '"', null: opts.Get(OptCSVNullLiteral)}
	if v, ok := opts[OptCSVFieldDelimiter]; ok {
		switch v {
		case `\t`, "tab", "\t":
			d.delim = '\t'
		default:
			if len(v) != 1 {
				return d, fmt.Errorf("%w: option '%s': '%s' is not a single character", connectors.ErrBadOption, OptCSVFieldDelimiter, v)
			}
			d.delim = v[0]
		}
	}
	if v, ok := opts[OptCSVQuoteCharacter]; ok {
		if len(v) != 1 {
			return d, fmt.Errorf("%w: option '%s': '%s' is not a single character", connectors.ErrBadOption, OptCSVQuoteCharacter, v)
		}
		d.quote = v[0]
	}
	if d.delim == d.quote {
		return d, fmt.Errorf("%w: the CSV field delimiter and quote character are both '%c'", connectors.ErrBadOption, d.delim)
	}
	return d, nil
}

// CSVDecoder decodes one CSV record (a line, or several when a quoted field
// holds line breaks). Fields map to columns by the header's names once
// ReadHeader has seen one, by position otherwise.
type CSVDecoder struct {
	csvDialect
	cols         []types.Column
	ignoreErrors bool
	fieldCol     []int // field position -> column index, -1 to skip
	fields       []csvField
	scratch      []byte
}

type csvField struct {
	start, end int // bounds in the record (or in scratch when unescaped)
	quoted     bool
	unescaped  bool // text is in the decoder's scratch, not the record
}

// NewCSVDecoder builds a decoder for schema with the csv.* options in opts.
func NewCSVDecoder(schema types.Schema, opts connectors.Options) (*CSVDecoder, error) {
	dia, err := csvDialectOf(opts)
	if err != nil {
		return nil, err
	}
	d := &CSVDecoder{csvDialect: dia, cols: schema.Columns, ignoreErrors: opts.Bool(OptCSVIgnoreParseErrors)}
	for i := range schema.Columns {
		d.fieldCol = append(d.fieldCol, i)
	}
	return d, nil
}

// ReadHeader implements HeaderReader: header names the schema lacks are
// skipped, columns the header lacks are NULL.
func (d *CSVDecoder) ReadHeader(line []byte) error {
	if err := d.split(line); err != nil {
		return err
	}
	d.fieldCol = d.fieldCol[:0]
	for _, f := range d.fields {
		name := strings.TrimSpace(d.text(line, f))
		col := -1
		for i, c := range d.cols {
			if strings.EqualFold(c.Name, name) {
				col = i
				break
			}
		}
		d.fieldCol = append(d.fieldCol, col)
	}
	return nil
}

func (d *CSVDecoder) text(rec []byte, f csvField) string {
	if f.unescaped {
		return string(d.scratch[f.start:f.end])
	}
	return string(rec[f.start:f.end])
}

// split finds the fields of rec, unescaping doubled quotes into scratch.
func (d *CSVDecoder) split(rec []byte) error {
	d.fields = d.fields[:0]
	d.scratch = d.scratch[:0]
	n := len(rec)
	for n > 0 && (rec[n-1] == '\n' || rec[n-1] == '\r') {
		n--
	}
	i := 0
	for {
		if i < n && rec[i] == d.quote {
			start := i
			i++
			fs := len(d.scratch)
			doubled := false
			for {
				if i >= n {
					return &DecodeError{Format: "csv", Offset: start, Kind: ErrSyntax, Detail: "unterminated quoted field"}
				}
				if rec[i] == d.quote {
					if i+1 < n && rec[i+1] == d.quote {
						doubled = true
						d.scratch = append(d.scratch, d.quote)
						i += 2
						continue
					}
					break
				}
				d.scratch = append(d.scratch, rec[i])
				i++
			}
			f := csvField{start: start + 1, end: i, quoted: true}
			if doubled {
				f = csvField{start: fs, end: len(d.scratch), quoted: true, unescaped: true}
			} else {
				d.scratch = d.scratch[:fs]
			}
			d.fields = append(d.fields, f)
			i++ // closing quote
			if i < n && rec[i] != d.delim {
				return &DecodeError{Format: "csv", Offset: i, Kind: ErrSyntax, Detail: "unexpected character after a quoted field"}
			}
		} else {
			start := i
			for i < n && rec[i] != d.delim {
				i++
			}
			d.fields = append(d.fields, csvField{start: start, end: i})
		}
		if i >= n {
			return nil
		}
		i++ // delimiter
	}
}

// Decode implements Decoder.
func (d *CSVDecoder) Decode(data []byte, row types.Row) error {
	for i := range d.cols {
		row[i] = types.Value{}
	}
	if err := d.split(data); err != nil {
		return err
	}
	var shared string // one copy of the record backs every field's string
	for fi, f := range d.fields {
		if fi >= len(d.fieldCol) {
			break
		}
		col := d.fieldCol[fi]
		if col < 0 {
			continue
		}
		var s string
		if f.unescaped {
			s = string(d.scratch[f.start:f.end])
		} else {
			if shared == "" {
				shared = string(data)
			}
			s = shared[f.start:f.end]
		}
		// An empty unquoted field has no value for any type but text.
		if !f.quoted && (s == d.null || s == "" && d.cols[col].Type.Kind != types.KindString) {
			continue
		}
		v, err := ParseText(d.cols[col].Type, s)
		if err != nil {
			if d.ignoreErrors {
				continue
			}
			return &DecodeError{Format: "csv", Offset: f.start, Field: d.cols[col].Name, Kind: ErrFieldType, Detail: err.Error()}
		}
		row[col] = v
	}
	return nil
}

// CSVEncoder renders a row as one CSV record (no line break).
type CSVEncoder struct {
	csvDialect
	cols []types.Column
}

// NewCSVEncoder builds an encoder for schema with the csv.* options in opts.
func NewCSVEncoder(schema types.Schema, opts connectors.Options) (*CSVEncoder, error) {
	dia, err := csvDialectOf(opts)
	if err != nil {
		return nil, err
	}
	return &CSVEncoder{csvDialect: dia, cols: schema.Columns}, nil
}

// AppendHeader implements HeaderWriter.
func (e *CSVEncoder) AppendHeader(buf []byte) []byte {
	for i, c := range e.cols {
		if i > 0 {
			buf = append(buf, e.delim)
		}
		buf = e.appendField(buf, c.Name, false)
	}
	return buf
}

// Encode implements Encoder.
func (e *CSVEncoder) Encode(buf []byte, row types.Row) ([]byte, error) {
	for i := range e.cols {
		if i > 0 {
			buf = append(buf, e.delim)
		}
		v := row[i]
		switch v.Kind() {
		case types.KindNull:
			buf = append(buf, e.null...)
		case types.KindBoolean:
			if v.Bool() {
				buf = append(buf, "true"...)
			} else {
				buf = append(buf, "false"...)
			}
		case types.KindBytes:
			buf = base64.StdEncoding.AppendEncode(buf, []byte(v.Str()))
		case types.KindString, types.KindJSON:
			// An empty string is quoted so that it reads back as "" and not as
			// NULL when the null literal is empty.
			buf = e.appendField(buf, v.Str(), v.Str() == "" || v.Str() == e.null)
		default:
			buf = append(buf, v.String()...)
		}
	}
	return buf, nil
}

func (e *CSVEncoder) appendField(buf []byte, s string, force bool) []byte {
	if !force && !e.needsQuotes(s) {
		return append(buf, s...)
	}
	buf = append(buf, e.quote)
	for i := 0; i < len(s); i++ {
		if s[i] == e.quote {
			buf = append(buf, e.quote)
		}
		buf = append(buf, s[i])
	}
	return append(buf, e.quote)
}

func (e *CSVEncoder) needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case e.delim, e.quote, '\n', '\r':
			return true
		}
	}
	return false
}

var (
	_ Decoder      = (*CSVDecoder)(nil)
	_ HeaderReader = (*CSVDecoder)(nil)
	_ Encoder      = (*CSVEncoder)(nil)
	_ HeaderWriter = (*CSVEncoder)(nil)
)

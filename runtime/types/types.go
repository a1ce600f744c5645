// Package types is chatsql's value model: SQL types, the values that carry
// them and the rows and schemas that hold values. Every layer (planner,
// runtime, connectors, functions) speaks these types.
package types

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the physical kind of a SQL type or value. The zero Kind is NULL,
// so the zero Value is SQL NULL.
type Kind uint8

const (
	KindNull Kind = iota
	KindBoolean
	KindInt          // 32-bit SQL INT, stored as int64
	KindBigInt       // 64-bit
	KindDouble       // float64
	KindDecimal      // unscaled int64, scale in Type.Scale (precision <= 18)
	KindString       // VARCHAR / STRING
	KindTimestamp    // TIMESTAMP(p): microseconds since epoch, no zone (wall clock in UTC)
	KindTimestampLTZ // TIMESTAMP_LTZ(p): microseconds since epoch, an instant
	KindDate         // days since epoch
	KindJSON         // JSON document, stored as its canonical text
	KindBytes        // raw bytes (e.g. Kafka keys), stored in a string
	KindInterval     // a day-time interval in microseconds (only inside expressions)
)

var kindNames = [...]string{
	KindNull: "NULL", KindBoolean: "BOOLEAN", KindInt: "INT", KindBigInt: "BIGINT",
	KindDouble: "DOUBLE", KindDecimal: "DECIMAL", KindString: "VARCHAR",
	KindTimestamp: "TIMESTAMP", KindTimestampLTZ: "TIMESTAMP_LTZ", KindDate: "DATE",
	KindJSON: "JSON", KindBytes: "BYTES", KindInterval: "INTERVAL",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// IsNumeric reports whether values of the kind take part in arithmetic.
func (k Kind) IsNumeric() bool {
	return k == KindInt || k == KindBigInt || k == KindDouble || k == KindDecimal
}

// IsTime reports whether the kind is a timestamp (either flavour).
func (k Kind) IsTime() bool { return k == KindTimestamp || k == KindTimestampLTZ }

// Type is a SQL type: a kind plus its parameters.
type Type struct {
	Kind      Kind
	Precision int // DECIMAL precision, TIMESTAMP fractional digits, VARCHAR length (0 = unbounded)
	Scale     int // DECIMAL scale
	NotNull   bool
}

// Convenience types.
var (
	Null         = Type{Kind: KindNull}
	Boolean      = Type{Kind: KindBoolean}
	Int          = Type{Kind: KindInt}
	BigInt       = Type{Kind: KindBigInt}
	Double       = Type{Kind: KindDouble}
	String       = Type{Kind: KindString}
	Timestamp    = Type{Kind: KindTimestamp, Precision: 3}
	TimestampLTZ = Type{Kind: KindTimestampLTZ, Precision: 3}
	Date         = Type{Kind: KindDate}
	JSON         = Type{Kind: KindJSON}
	Bytes        = Type{Kind: KindBytes}
	Interval     = Type{Kind: KindInterval}
)

// Decimal returns DECIMAL(p,s).
func Decimal(p, s int) Type { return Type{Kind: KindDecimal, Precision: p, Scale: s} }

func (t Type) String() string {
	var s string
	switch t.Kind {
	case KindDecimal:
		s = fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case KindTimestamp, KindTimestampLTZ:
		s = fmt.Sprintf("%s(%d)", t.Kind, t.Precision)
	case KindString:
		if t.Precision > 0 {
			s = fmt.Sprintf("VARCHAR(%d)", t.Precision)
		} else {
			s = "VARCHAR"
		}
	default:
		s = t.Kind.String()
	}
	if t.NotNull {
		s += " NOT NULL"
	}
	return s
}

// Nullable returns t without NOT NULL.
func (t Type) Nullable() Type { t.NotNull = false; return t }

// ErrUnknownType is wrapped by ParseType for names it does not know.
var ErrUnknownType = fmt.Errorf("unknown type")

// TypeNames lists the type names ParseType accepts (for hints and docs).
var TypeNames = []string{"BOOLEAN", "BOOL", "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT",
	"FLOAT", "DOUBLE", "REAL", "DECIMAL", "NUMERIC", "VARCHAR", "STRING", "CHAR", "TEXT",
	"TIMESTAMP", "TIMESTAMP_LTZ", "DATETIME", "DATE", "JSON", "BYTES", "VARBINARY"}

// ParseType parses a type name with optional parameters, e.g. "DECIMAL(10, 2)",
// "timestamp(3)", "TIMESTAMP(3) WITH LOCAL TIME ZONE", "VARCHAR(20) NOT NULL".
func ParseType(s string) (Type, error) {
	src := strings.TrimSpace(s)
	u := strings.ToUpper(src)
	var t Type
	if strings.HasSuffix(u, " NOT NULL") {
		t.NotNull = true
		u = strings.TrimSpace(strings.TrimSuffix(u, " NOT NULL"))
	} else if strings.HasSuffix(u, " NULL") {
		u = strings.TrimSpace(strings.TrimSuffix(u, " NULL"))
	}
	ltz := false
	for _, suf := range []string{" WITH LOCAL TIME ZONE", " WITH LOCAL TIMEZONE"} {
		if strings.HasSuffix(u, suf) {
			ltz = true
			u = strings.TrimSpace(strings.TrimSuffix(u, suf))
		}
	}
	u = strings.TrimSuffix(u, " WITHOUT TIME ZONE")
	name, params := u, []int(nil)
	if i := strings.IndexByte(u, '('); i >= 0 {
		if !strings.HasSuffix(u, ")") {
			return Type{}, fmt.Errorf("%w %q: unbalanced parentheses", ErrUnknownType, src)
		}
		name = strings.TrimSpace(u[:i])
		for _, p := range strings.Split(u[i+1:len(u)-1], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 {
				return Type{}, fmt.Errorf("%w %q: bad parameter %q", ErrUnknownType, src, strings.TrimSpace(p))
			}
			params = append(params, n)
		}
	}
	param := func(i, def int) int {
		if i < len(params) {
			return params[i]
		}
		return def
	}
	switch name {
	case "BOOLEAN", "BOOL":
		t.Kind = KindBoolean
	case "TINYINT", "SMALLINT", "INT", "INTEGER", "MEDIUMINT":
		t.Kind = KindInt
	case "BIGINT":
		t.Kind = KindBigInt
	case "FLOAT", "DOUBLE", "REAL", "DOUBLE PRECISION":
		t.Kind = KindDouble
	case "DECIMAL", "NUMERIC", "DEC":
		t.Kind, t.Precision, t.Scale = KindDecimal, param(0, 10), param(1, 0)
		if t.Precision > 18 || t.Precision < 1 || t.Scale > t.Precision {
			return Type{}, fmt.Errorf("%w %q: DECIMAL precision must be 1..18 and scale <= precision", ErrUnknownType, src)
		}
	case "VARCHAR", "STRING", "CHAR", "TEXT", "CHARACTER VARYING":
		t.Kind, t.Precision = KindString, param(0, 0)
	case "TIMESTAMP", "DATETIME":
		t.Kind, t.Precision = KindTimestamp, param(0, 3)
		if ltz {
			t.Kind = KindTimestampLTZ
		}
	case "TIMESTAMP_LTZ":
		t.Kind, t.Precision = KindTimestampLTZ, param(0, 3)
	case "DATE":
		t.Kind = KindDate
	case "JSON":
		t.Kind = KindJSON
	case "BYTES", "VARBINARY", "BINARY", "BLOB":
		t.Kind = KindBytes
	default:
		return Type{}, fmt.Errorf("%w %q", ErrUnknownType, src)
	}
	if (t.Kind == KindTimestamp || t.Kind == KindTimestampLTZ) && t.Precision > 6 {
		return Type{}, fmt.Errorf("%w %q: timestamp precision is at most 6", ErrUnknownType, src)
	}
	return t, nil
}

// Column is a named, typed column of a schema.
type Column struct {
	Name string
	Type Type
}

// Schema is the ordered list of columns of a row, plus the index of its
// event-time attribute (-1 when the stream has none).
type Schema struct {
	Columns  []Column
	TimeAttr int
}

// NewSchema builds a schema without a time attribute.
func NewSchema(cols ...Column) Schema { return Schema{Columns: cols, TimeAttr: -1} }

// Index returns the position of the column named name (case-insensitive), or -1.
func (s Schema) Index(name string) int {
	for i, c := range s.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Names returns the column names in order.
func (s Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

func (s Schema) String() string {
	parts := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		parts[i] = c.Name + " " + c.Type.String()
		if i == s.TimeAttr {
			parts[i] += " *ROWTIME*"
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Row is one record: values in schema order.
type Row []Value

// WithNotNull returns t marked NOT NULL.
func (t Type) WithNotNull() Type { t.NotNull = true; return t }

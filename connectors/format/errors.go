package format

import (
	"errors"
	"fmt"
)

// Kinds of decode failure. A *DecodeError wraps exactly one of them, so
// callers (dead-letter counting, tests) can tell them apart with errors.Is.
var (
	// ErrSyntax: the record is not well-formed (not an object, truncated,
	// trailing bytes, bad quoting).
	ErrSyntax = errors.New("malformed record")
	// ErrFieldType: a field's value does not convert to its column's type.
	ErrFieldType = errors.New("wrong field type")
	// ErrMissingField: a column has no field and the format was told to fail
	// on missing fields.
	ErrMissingField = errors.New("missing field")
)

// DecodeError says where a record went wrong: the format, the byte offset in
// the record, the field (column) when one is concerned, and what was wrong.
type DecodeError struct {
	Format string
	Offset int    // byte offset in the record, -1 when not meaningful
	Field  string // column name, "" for record-level errors
	Kind   error  // ErrSyntax, ErrFieldType or ErrMissingField
	Detail string
}

func (e *DecodeError) Error() string {
	s := e.Format + ": " + e.Kind.Error()
	if e.Field != "" {
		s += fmt.Sprintf(" in field '%s'", e.Field)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at byte %d", e.Offset)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Kind }

// quoteSnippet renders a value for an error message, shortened so that a huge
// field does not make a huge error.
func quoteSnippet(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("'%s'", s)
}

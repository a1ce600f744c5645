// Package diag is chatsql's SQL error type: every error the front end and the
// binder report names file:line:column, shows the source line with a caret,
// and carries a hint ("did you mean ...") where one exists. Several errors are
// collected in a List rather than stopping at the first.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Source is one SQL text with a name (a file path, or "<stdin>", "<repl>").
type Source struct {
	Name string
	Text string
	// lineStarts[i] is the byte offset of line i+1.
	lineStarts []int
}

// NewSource indexes text for position lookups.
func NewSource(name, text string) *Source {
	s := &Source{Name: name, Text: text, lineStarts: []int{0}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			s.lineStarts = append(s.lineStarts, i+1)
		}
	}
	return s
}

// Pos is a position in a Source: 1-based line and column (column in
// characters, not bytes) and the byte offset.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Position converts a byte offset to line:column.
func (s *Source) Position(offset int) Pos {
	if offset < 0 {
		offset = 0
	}
	if offset > len(s.Text) {
		offset = len(s.Text)
	}
	i := sort.Search(len(s.lineStarts), func(i int) bool { return s.lineStarts[i] > offset }) - 1
	if i < 0 {
		i = 0
	}
	col := len([]rune(s.Text[s.lineStarts[i]:offset])) + 1
	return Pos{Offset: offset, Line: i + 1, Col: col}
}

// Line returns the text of line n (1-based), without its newline.
func (s *Source) Line(n int) string {
	if n < 1 || n > len(s.lineStarts) {
		return ""
	}
	start := s.lineStarts[n-1]
	end := len(s.Text)
	if n < len(s.lineStarts) {
		end = s.lineStarts[n] - 1
	}
	return strings.TrimRight(s.Text[start:end], "\r")
}

// Kind classifies errors so tests assert the kind, not the text.
type Kind int

const (
	Syntax      Kind = iota + 1 // the text does not parse
	UnknownName                 // unknown table, column, function, setting
	Type                        // type mismatch, wrong argument count
	Option                      // bad connector option
	Unsupported                 // valid SQL that chatsql does not do (yet)
	Semantic                    // everything else (duplicate name, bad watermark, ...)
)

var kindNames = map[Kind]string{Syntax: "syntax error", UnknownName: "unknown name", Type: "type error",
	Option: "option error", Unsupported: "not supported", Semantic: "error"}

func (k Kind) String() string { return kindNames[k] }

// Sentinels, one per kind, for errors.Is.
var (
	ErrSyntax      = errors.New("syntax error")
	ErrUnknownName = errors.New("unknown name")
	ErrType        = errors.New("type error")
	ErrOption      = errors.New("option error")
	ErrUnsupported = errors.New("not supported")
	ErrSemantic    = errors.New("semantic error")
)

func (k Kind) sentinel() error {
	switch k {
	case Syntax:
		return ErrSyntax
	case UnknownName:
		return ErrUnknownName
	case Type:
		return ErrType
	case Option:
		return ErrOption
	case Unsupported:
		return ErrUnsupported
	}
	return ErrSemantic
}

// Error is one positioned SQL error.
type Error struct {
	Src  *Source // may be nil when the position is unknown
	Pos  Pos
	Kind Kind
	Msg  string
	Hint string // shown as "hint: ..."; e.g. "did you mean 'username'?"
	// Consequence marks an error that only follows from an earlier one
	// (a source whose definition failed is "unknown" where it is used);
	// it is dropped when reported together with other errors.
	Consequence bool
}

// Errorf makes an Error at byte offset off of src.
func Errorf(src *Source, off int, kind Kind, format string, args ...any) *Error {
	e := &Error{Src: src, Kind: kind, Msg: fmt.Sprintf(format, args...)}
	if src != nil {
		e.Pos = src.Position(off)
	}
	return e
}

// WithHint sets the hint and returns e.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// Error renders "file:line:col: msg" on one line (for logs); Format gives the
// multi-line form with the caret.
func (e *Error) Error() string {
	s := e.Msg
	if e.Src != nil {
		s = fmt.Sprintf("%s:%d:%d: %s", e.Src.Name, e.Pos.Line, e.Pos.Col, e.Msg)
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Unwrap gives the kind's sentinel.
func (e *Error) Unwrap() error { return e.Kind.sentinel() }

// Format renders the error the way users see it:
//
//	queries/bad.sql:3:8: unknown column 'usrname'
//	  3 | SELECT usrname FROM chat_messages
//	    |        ^
//	hint: did you mean 'username'?
func (e *Error) Format() string {
	var b strings.Builder
	if e.Src == nil {
		b.WriteString("error: " + e.Msg + "\n")
	} else {
		fmt.Fprintf(&b, "%s:%d:%d: %s\n", e.Src.Name, e.Pos.Line, e.Pos.Col, e.Msg)
		line := e.Src.Line(e.Pos.Line)
		num := fmt.Sprint(e.Pos.Line)
		fmt.Fprintf(&b, "  %s | %s\n", num, strings.ReplaceAll(line, "\t", " "))
		fmt.Fprintf(&b, "  %s | %s^\n", strings.Repeat(" ", len(num)), strings.Repeat(" ", max(e.Pos.Col-1, 0)))
	}
	if e.Hint != "" {
		b.WriteString("hint: " + e.Hint + "\n")
	}
	return b.String()
}

// List is several errors, in source order.
type List []*Error

func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Format renders every error.
func (l List) Format() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Format())
	}
	return b.String()
}

// Unwrap exposes the errors for errors.Is/As.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Sort orders the list by position.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Offset < l[j].Pos.Offset })
}

// WithoutConsequences drops the errors that follow from others, unless
// nothing else is left.
func (l List) WithoutConsequences() List {
	var out List
	for _, e := range l {
		if !e.Consequence {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return l
	}
	return out
}

// Err returns nil for an empty list, else the list.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// FormatError renders any error: diag errors with carets, others plainly.
func FormatError(err error) string {
	var l List
	if errors.As(err, &l) {
		return l.Format()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Format()
	}
	return "error: " + err.Error() + "\n"
}

// IsSQLError reports whether err is a user SQL error (exit code 2).
func IsSQLError(err error) bool {
	var l List
	var e *Error
	return errors.As(err, &l) || errors.As(err, &e)
}

package udf

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/chatsql/chatsql/runtime/types"
)

// Error kinds. Every error a function returns wraps one of them, so callers
// (the binder, the dead-letter logic, tests) can tell them apart with
// errors.Is without parsing messages.
var (
	// ErrArgCount: a call has the wrong number of arguments (plan time).
	ErrArgCount = errors.New("wrong number of arguments")
	// ErrArgType: an argument's type cannot be used by the function (plan time).
	ErrArgType = errors.New("wrong argument type")
	// ErrArgValue: an argument's value is not acceptable, e.g. an unknown
	// time unit or a bad regular expression.
	ErrArgValue = errors.New("invalid argument")
	// ErrConvert: CAST (or a conversion a function needs) failed for a value.
	ErrConvert = errors.New("value does not convert")
	// ErrInvalidJSON: a JSON argument does not hold valid JSON text.
	ErrInvalidJSON = errors.New("invalid JSON text")
)

// FuncError is a user-facing function error: the message names the function
// and what is wrong; Kind is one of the sentinels above.
type FuncError struct {
	Func string
	Kind error
	Msg  string
}

func (e *FuncError) Error() string { return e.Msg }

// Unwrap exposes the error kind to errors.Is.
func (e *FuncError) Unwrap() error { return e.Kind }

func funcErr(name string, kind error, format string, args ...any) error {
	return &FuncError{Func: name, Kind: kind, Msg: name + " " + fmt.Sprintf(format, args...)}
}

func plural(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}

// checkArgs checks the argument count; max < 0 means no upper bound.
func checkArgs(name string, args []Arg, min, max int) error {
	n := len(args)
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	switch {
	case min == max:
		return funcErr(name, ErrArgCount, "expects %d %s, got %d", min, plural(min), n)
	case max < 0:
		return funcErr(name, ErrArgCount, "expects at least %d %s, got %d", min, plural(min), n)
	default:
		return funcErr(name, ErrArgCount, "expects %d to %d arguments, got %d", min, max, n)
	}
}

// argClass is what a function accepts in one argument position. Checks are
// lenient in MySQL's way (numeric strings are numbers, anything is text) and
// only reject what can never work.
type argClass uint8

const (
	cAny  argClass = iota
	cNum           // numbers, and anything that may hold one (strings, booleans, JSON)
	cTime          // timestamps, dates, strings, numbers (epoch seconds)
	cJSON          // JSON, or strings holding JSON text
	cText          // anything that renders as text (everything but intervals)
)

func (c argClass) accepts(k types.Kind) bool {
	if k == types.KindNull {
		return true
	}
	switch c {
	case cNum:
		return k.IsNumeric() || k == types.KindString || k == types.KindBoolean || k == types.KindJSON
	case cTime:
		return k.IsTime() || k == types.KindDate || k == types.KindString || k.IsNumeric()
	case cJSON:
		return k == types.KindJSON || k == types.KindString
	case cText:
		return k != types.KindInterval
	}
	return true
}

func (c argClass) String() string {
	switch c {
	case cNum:
		return "a number"
	case cTime:
		return "a timestamp or date"
	case cJSON:
		return "JSON"
	case cText:
		return "text"
	}
	return "a value"
}

// checkClasses checks every argument against classes; the last class
// repeats for variadic functions.
func checkClasses(name string, args []Arg, classes ...argClass) error {
	if len(classes) == 0 {
		return nil
	}
	for i, a := range args {
		c := classes[min(i, len(classes)-1)]
		if !c.accepts(a.Type.Kind) {
			return funcErr(name, ErrArgType, "argument %d must be %s, got %s", i+1, c, a.Type)
		}
	}
	return nil
}

// constString returns the text of a constant argument.
func constString(a Arg) (string, bool) {
	if a.Const == nil || a.Const.IsNull() {
		return "", false
	}
	return ToString(*a.Const)
}

// constUpper returns a constant argument as an upper-case keyword, or an
// error naming the function and position when it is not a constant.
func constKeyword(name string, args []Arg, i int, what string) (string, error) {
	s, ok := constString(args[i])
	if !ok {
		return "", funcErr(name, ErrArgValue, "argument %d (%s) must be a constant", i+1, what)
	}
	return strings.ToUpper(strings.TrimSpace(s)), nil
}

// strict wraps f with SQL's default NULL rule: any NULL argument gives NULL.
func strict(f EvalFunc) EvalFunc {
	return func(args []types.Value) (types.Value, error) {
		for i := range args {
			if args[i].IsNull() {
				return types.NullValue, nil
			}
		}
		return f(args)
	}
}

// bindFunc is Bind with the name the user wrote, so messages and aliases
// say what the user typed.
type bindFunc func(name string, args []Arg) (types.Type, EvalFunc, error)

type def struct {
	names    []string // the first is the canonical name, the rest aliases
	sig      string
	doc      string
	volatile bool
	bind     bindFunc
}

// register adds defs to the default registry under category cat.
func register(cat string, defs ...def) {
	for _, d := range defs {
		for _, n := range d.names {
			name, bind := n, d.bind
			sig := d.sig
			if name != d.names[0] {
				sig = name + strings.TrimPrefix(d.sig, d.names[0])
			}
			RegisterScalar(Scalar{
				Name:      name,
				Bind:      func(args []Arg) (types.Type, EvalFunc, error) { return bind(name, args) },
				Volatile:  d.volatile,
				Signature: sig,
				Doc:       d.doc,
				Category:  cat,
			})
		}
	}
}

// fixed binds a function with a fixed result type that follows the NULL
// rule; eval sees only non-NULL arguments.
func fixed(min, max int, ret types.Type, eval EvalFunc, classes ...argClass) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		if err := checkArgs(name, args, min, max); err != nil {
			return types.Type{}, nil, err
		}
		if err := checkClasses(name, args, classes...); err != nil {
			return types.Type{}, nil, err
		}
		return ret, strict(eval), nil
	}
}

// bytesString turns a freshly built buffer into a string without copying.
// The buffer must not be touched afterwards; every caller builds it for
// this one result, which saves an allocation per row on hot paths
// (JSON_OBJECT, CONCAT, UUID).
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

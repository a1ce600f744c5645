package udf

import (
	"regexp"
	"unicode/utf8"

	"github.com/chatsql/chatsql/runtime/types"
)

// regexpFlags turns a MySQL match_type ('c', 'i', 'm', 'n', 'u'; the last
// letter wins between c and i) into an RE2 flag prefix.
func regexpFlags(mt string) (string, bool) {
	ci, multi, dotall := false, false, false
	for _, c := range mt {
		switch c {
		case 'c':
			ci = false
		case 'i':
			ci = true
		case 'm':
			multi = true
		case 'n':
			dotall = true
		case 'u':
		default:
			return "", false
		}
	}
	f := ""
	if ci {
		f += "i"
	}
	if multi {
		f += "m"
	}
	if dotall {
		f += "s"
	}
	if f == "" {
		return "", true
	}
	return "(?" + f + ")", true
}

// regexpGetter finds the regular expression of a call: compiled once at
// bind time when the pattern (and match type) are constants, else per row
// through the shared cache.
type regexpGetter func(a []types.Value) (*regexp.Regexp, error)

func bindRegexpArg(name string, args []Arg, patIdx, mtIdx int) (regexpGetter, error) {
	hasMT := mtIdx < len(args)
	patConst := args[patIdx].Const != nil
	mtConst := !hasMT || args[mtIdx].Const != nil
	if patConst && mtConst {
		pat, ok := constString(args[patIdx])
		if !ok {
			return func([]types.Value) (*regexp.Regexp, error) { return nil, nil }, nil
		}
		flags := ""
		if hasMT {
			mt, _ := constString(args[mtIdx])
			if flags, ok = regexpFlags(mt); !ok {
				return nil, funcErr(name, ErrArgValue, "match type %q: allowed letters are c, i, m, n, u", mt)
			}
		}
		re, err := regexp.Compile(flags + pat)
		if err != nil {
			return nil, funcErr(name, ErrArgValue, "bad regular expression %q: %v", pat, err)
		}
		return func([]types.Value) (*regexp.Regexp, error) { return re, nil }, nil
	}
	return func(a []types.Value) (*regexp.Regexp, error) {
		flags := ""
		if hasMT {
			var ok bool
			if flags, ok = regexpFlags(text(a[mtIdx])); !ok {
				return nil, funcErr(name, ErrArgValue, "match type %q: allowed letters are c, i, m, n, u", text(a[mtIdx]))
			}
		}
		return CompileRegexp(flags + text(a[patIdx]))
	}, nil
}

func bindRegexpCommon(name string, args []Arg, min, max, mtIdx int, ret types.Type,
	eval func(re *regexp.Regexp, a []types.Value) (types.Value, error)) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, min, max); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText); err != nil {
		return types.Type{}, nil, err
	}
	get, err := bindRegexpArg(name, args, 1, mtIdx)
	if err != nil {
		return types.Type{}, nil, err
	}
	return ret, strict(func(a []types.Value) (types.Value, error) {
		re, err := get(a)
		if err != nil || re == nil {
			return types.NullValue, err
		}
		return eval(re, a)
	}), nil
}

func bindRegexpLike(name string, args []Arg) (types.Type, EvalFunc, error) {
	return bindRegexpCommon(name, args, 2, 3, 2, types.Boolean, func(re *regexp.Regexp, a []types.Value) (types.Value, error) {
		return types.NewBool(re.MatchString(text(a[0]))), nil
	})
}

// optInt reads optional integer argument i (default def); ok is false for
// a value that does not convert.
func optInt(a []types.Value, i int, def int64) (int64, bool) {
	if i >= len(a) {
		return def, true
	}
	return ToInt64(a[i])
}

func bindRegexpReplace(name string, args []Arg) (types.Type, EvalFunc, error) {
	return bindRegexpCommon(name, args, 3, 6, 5, types.String, func(re *regexp.Regexp, a []types.Value) (types.Value, error) {
		s, repl := text(a[0]), text(a[2])
		pos, ok1 := optInt(a, 3, 1)
		occ, ok2 := optInt(a, 4, 0)
		if !ok1 || !ok2 || pos < 1 || occ < 0 {
			return types.NullValue, nil
		}
		off := charOffset(s, int(pos-1))
		head, rest := s[:off], s[off:]
		if occ == 0 {
			return str(head + re.ReplaceAllString(rest, repl)), nil
		}
		ms := re.FindAllStringSubmatchIndex(rest, int(occ))
		if int64(len(ms)) < occ {
			return str(s), nil
		}
		m := ms[occ-1]
		var b []byte
		b = append(b, head...)
		b = append(b, rest[:m[0]]...)
		b = re.ExpandString(b, repl, rest, m)
		b = append(b, rest[m[1]:]...)
		return str(bytesString(b)), nil
	})
}

// nthMatch returns the byte range in s of the occ-th match at or after
// character pos, or ok false.
func nthMatch(re *regexp.Regexp, s string, a []types.Value) (start, end int, ok bool) {
	pos, ok1 := optInt(a, 2, 1)
	occ, ok2 := optInt(a, 3, 1)
	if !ok1 || !ok2 || pos < 1 || occ < 1 {
		return 0, 0, false
	}
	off := charOffset(s, int(pos-1))
	ms := re.FindAllStringIndex(s[off:], int(occ))
	if int64(len(ms)) < occ {
		return 0, 0, false
	}
	m := ms[occ-1]
	return off + m[0], off + m[1], true
}

func bindRegexpSubstr(name string, args []Arg) (types.Type, EvalFunc, error) {
	return bindRegexpCommon(name, args, 2, 5, 4, types.String, func(re *regexp.Regexp, a []types.Value) (types.Value, error) {
		s := text(a[0])
		start, end, ok := nthMatch(re, s, a)
		if !ok {
			return types.NullValue, nil
		}
		return str(s[start:end]), nil
	})
}

func bindRegexpInstr(name string, args []Arg) (types.Type, EvalFunc, error) {
	return bindRegexpCommon(name, args, 2, 6, 5, types.BigInt, func(re *regexp.Regexp, a []types.Value) (types.Value, error) {
		s := text(a[0])
		start, end, ok := nthMatch(re, s, a)
		if !ok {
			return types.NewBigInt(0), nil
		}
		retOpt, ok := optInt(a, 4, 0)
		if !ok {
			return types.NullValue, nil
		}
		at := start
		if retOpt == 1 {
			at = end
		}
		if isASCII(s) {
			return types.NewBigInt(int64(at) + 1), nil
		}
		return types.NewBigInt(int64(utf8.RuneCountInString(s[:at])) + 1), nil
	})
}

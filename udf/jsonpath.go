package udf

import (
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/tidwall/gjson"
)

// A MySQL JSON path ('$.a.b[0]', '$."key with spaces"', '$[last]',
// '$.a[*]', '$.*', '$**.b') compiled once. Paths without wildcards and
// 'last' also get the equivalent gjson/sjson path, so the hot case is a
// single gjson.Get over the document.

type stepKind uint8

const (
	stepKey stepKind = iota
	stepIndex
	stepLast      // [last - n]: index counts from the end
	stepAnyKey    // .*
	stepAnyIndex  // [*]
	stepRecursive // **
)

type pathStep struct {
	kind  stepKind
	key   string
	index int
}

type jsonPath struct {
	text   string
	steps  []pathStep
	gpath  string // gjson/sjson path; "" is the whole document
	wild   bool   // has wildcards: may match several values
	simple bool   // gpath is usable (no wildcards, no 'last')
}

func parseJSONPath(p string) (*jsonPath, bool) {
	s := strings.TrimSpace(p)
	if !strings.HasPrefix(s, "$") {
		return nil, false
	}
	jp := &jsonPath{text: p, simple: true}
	i := 1
	skipSpace := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	for {
		skipSpace()
		if i == len(s) {
			break
		}
		switch {
		case strings.HasPrefix(s[i:], "**"):
			i += 2
			jp.steps = append(jp.steps, pathStep{kind: stepRecursive})
			jp.wild, jp.simple = true, false
			if i == len(s) {
				return nil, false // '**' must be followed by a step
			}
		case s[i] == '.':
			i++
			skipSpace()
			if i == len(s) {
				return nil, false
			}
			switch {
			case s[i] == '*':
				i++
				jp.steps = append(jp.steps, pathStep{kind: stepAnyKey})
				jp.wild, jp.simple = true, false
			case s[i] == '"':
				j := i + 1
				for j < len(s) && s[j] != '"' {
					if s[j] == '\\' {
						j++
					}
					j++
				}
				if j >= len(s) {
					return nil, false
				}
				key, err := strconv.Unquote(s[i : j+1])
				if err != nil {
					return nil, false
				}
				jp.steps = append(jp.steps, pathStep{kind: stepKey, key: key})
				i = j + 1
			default:
				j := i
				for j < len(s) && !strings.ContainsRune(".[* \"", rune(s[j])) {
					j++
				}
				if j == i {
					return nil, false
				}
				jp.steps = append(jp.steps, pathStep{kind: stepKey, key: s[i:j]})
				i = j
			}
		case s[i] == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, false
			}
			inner := strings.TrimSpace(s[i+1 : i+j])
			i += j + 1
			switch {
			case inner == "*":
				jp.steps = append(jp.steps, pathStep{kind: stepAnyIndex})
				jp.wild, jp.simple = true, false
			case strings.HasPrefix(inner, "last"):
				rest := strings.TrimSpace(inner[4:])
				n := 0
				if rest != "" {
					if rest[0] != '-' {
						return nil, false
					}
					var err error
					if n, err = strconv.Atoi(strings.TrimSpace(rest[1:])); err != nil || n < 0 {
						return nil, false
					}
				}
				jp.steps = append(jp.steps, pathStep{kind: stepLast, index: n})
				jp.simple = false
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, false
				}
				jp.steps = append(jp.steps, pathStep{kind: stepIndex, index: n})
			}
		default:
			return nil, false
		}
	}
	if jp.simple {
		parts := make([]string, len(jp.steps))
		for k, st := range jp.steps {
			if st.kind == stepIndex {
				parts[k] = strconv.Itoa(st.index)
			} else {
				parts[k] = gjson.Escape(st.key)
			}
		}
		jp.gpath = strings.Join(parts, ".")
	}
	return jp, true
}

// get returns the single value at a path without wildcards.
func (p *jsonPath) get(doc string) gjson.Result {
	if p.simple {
		if p.gpath == "" {
			return gjson.Parse(doc)
		}
		return gjson.Get(doc, p.gpath)
	}
	var out gjson.Result
	walkJSON(gjson.Parse(doc), p.steps, func(r gjson.Result) bool { out = r; return false })
	return out
}

// all returns every value the path matches, in document order.
func (p *jsonPath) all(doc string) []gjson.Result {
	var out []gjson.Result
	walkJSON(gjson.Parse(doc), p.steps, func(r gjson.Result) bool { out = append(out, r); return true })
	return out
}

// walkJSON calls fn for every value under r that steps match; fn returns
// false to stop. It reports whether to continue.
func walkJSON(r gjson.Result, steps []pathStep, fn func(gjson.Result) bool) bool {
	if !r.Exists() {
		return true
	}
	if len(steps) == 0 {
		return fn(r)
	}
	st, rest := steps[0], steps[1:]
	switch st.kind {
	case stepKey:
		if !r.IsObject() {
			return true
		}
		var v gjson.Result
		r.ForEach(func(k, val gjson.Result) bool {
			if k.Str == st.key {
				v = val
			}
			return true // a duplicate key: the last one wins, as in parsing
		})
		return walkJSON(v, rest, fn)
	case stepIndex, stepLast:
		if !r.IsArray() {
			// MySQL wraps a non-array in an array for [0] and [last].
			if st.index == 0 {
				return walkJSON(r, rest, fn)
			}
			return true
		}
		arr := r.Array()
		idx := st.index
		if st.kind == stepLast {
			idx = len(arr) - 1 - st.index
		}
		if idx < 0 || idx >= len(arr) {
			return true
		}
		return walkJSON(arr[idx], rest, fn)
	case stepAnyKey:
		if !r.IsObject() {
			return true
		}
		cont := true
		r.ForEach(func(_, val gjson.Result) bool {
			cont = walkJSON(val, rest, fn)
			return cont
		})
		return cont
	case stepAnyIndex:
		if !r.IsArray() {
			return true
		}
		cont := true
		r.ForEach(func(_, val gjson.Result) bool {
			cont = walkJSON(val, rest, fn)
			return cont
		})
		return cont
	case stepRecursive:
		if !walkJSON(r, rest, fn) {
			return false
		}
		if !r.IsObject() && !r.IsArray() {
			return true
		}
		cont := true
		r.ForEach(func(_, val gjson.Result) bool {
			cont = walkJSON(val, steps, fn)
			return cont
		})
		return cont
	}
	return true
}

// concrete resolves 'last' against doc and returns the sjson path of a
// path without wildcards.
func (p *jsonPath) concrete(doc string) (string, bool) {
	if p.simple {
		return p.gpath, true
	}
	if p.wild {
		return "", false
	}
	parts := make([]string, len(p.steps))
	cur := gjson.Parse(doc)
	for k, st := range p.steps {
		switch st.kind {
		case stepKey:
			parts[k] = gjson.Escape(st.key)
			cur = cur.Get(parts[k])
		case stepIndex:
			parts[k] = strconv.Itoa(st.index)
			cur = cur.Get(parts[k])
		case stepLast:
			n := 0
			if cur.IsArray() {
				n = len(cur.Array())
			}
			idx := n - 1 - st.index
			if idx < 0 {
				idx = 0
			}
			parts[k] = strconv.Itoa(idx)
			cur = cur.Get(parts[k])
		}
	}
	return strings.Join(parts, "."), true
}

// bindPaths prepares path arguments from index first on: compiled once when
// constant, else per row.
func bindPaths(name string, args []Arg, first, stride int) (func(a []types.Value, i int) (*jsonPath, error), error) {
	consts := make([]*jsonPath, len(args))
	for i := first; i < len(args); i += stride {
		if args[i].Const == nil {
			continue
		}
		s, ok := constString(args[i])
		if !ok {
			continue
		}
		p, ok := parseJSONPath(s)
		if !ok {
			return nil, funcErr(name, ErrArgValue, "invalid JSON path %q: use $, .key, .\"key\", [n], [last], [*], .*, **", s)
		}
		consts[i] = p
	}
	return func(a []types.Value, i int) (*jsonPath, error) {
		if p := consts[i]; p != nil {
			return p, nil
		}
		s := text(a[i])
		p, ok := parseJSONPath(s)
		if !ok {
			return nil, funcErr(name, ErrArgValue, "invalid JSON path %q", s)
		}
		return p, nil
	}, nil
}

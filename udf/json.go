package udf

import (
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// jsonDoc returns the canonical JSON text of a JSON argument: JSON values
// as they are (canonical by construction), strings validated and
// compacted.
func jsonDoc(name string, v types.Value) (string, error) {
	if v.Kind() == types.KindJSON {
		if v.Str() == "" {
			return "null", nil
		}
		return v.Str(), nil
	}
	s, _ := ToString(v)
	doc, ok := canonicalJSON(s)
	if !ok {
		short := s
		if len(short) > 40 {
			short = short[:37] + "..."
		}
		return "", funcErr(name, ErrInvalidJSON, "got invalid JSON text %q", short)
	}
	return doc, nil
}

func jsonVal(raw string) types.Value { return types.NewJSON(raw) }

func init() {
	register("json",
		def{names: []string{"JSON_OBJECT"}, sig: "JSON_OBJECT(key, value, ...) -> JSON",
			doc:  "A JSON object of the key/value pairs in argument order; JSON values are embedded, others rendered as JSON scalars (NULL as null).",
			bind: bindJSONObject},
		def{names: []string{"JSON_ARRAY"}, sig: "JSON_ARRAY(value, ...) -> JSON", doc: "A JSON array of the values.",
			bind: bindJSONArray},
		def{names: []string{"JSON_EXTRACT"}, sig: "JSON_EXTRACT(doc, path, ...) -> JSON",
			doc:  "The value at a MySQL path ('$.a.b[0]'); several paths or wildcards give an array of the matches; NULL when nothing matches. col->'$.a' arrives as this.",
			bind: bindJSONExtract},
		def{names: []string{"JSON_UNQUOTE"}, sig: "JSON_UNQUOTE(json) -> VARCHAR",
			doc:  "A JSON string's text without quotes; other JSON as its text. col->>'$.a' is JSON_UNQUOTE(JSON_EXTRACT(col, '$.a')).",
			bind: fixed(1, 1, types.String, evalJSONUnquote, cText)},
		def{names: []string{"JSON_VALUE"}, sig: "JSON_VALUE(doc, path) -> VARCHAR",
			doc:  "The scalar at path as text (Flink); NULL when missing, null, an object or an array, or when doc is not JSON.",
			bind: bindJSONValue},
		def{names: []string{"JSON_QUOTE"}, sig: "JSON_QUOTE(str) -> VARCHAR", doc: "str as a quoted, escaped JSON string literal.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				s := text(a[0])
				return str(bytesString(types.AppendJSONString(make([]byte, 0, len(s)+2), s))), nil
			}, cText)},
		def{names: []string{"JSON_VALID"}, sig: "JSON_VALID(value) -> BOOLEAN", doc: "Whether value is valid JSON text.",
			bind: fixed(1, 1, types.Boolean, func(a []types.Value) (types.Value, error) {
				switch a[0].Kind() {
				case types.KindJSON:
					return types.NewBool(true), nil
				case types.KindString, types.KindBytes:
					return types.NewBool(gjson.Valid(a[0].Str())), nil
				}
				return types.NewBool(false), nil
			})},
		def{names: []string{"JSON_TYPE"}, sig: "JSON_TYPE(json) -> VARCHAR", doc: "OBJECT, ARRAY, STRING, INTEGER, DOUBLE, BOOLEAN or NULL.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				doc, err := jsonDoc("JSON_TYPE", a[0])
				if err != nil {
					return types.NullValue, err
				}
				return str(jsonTypeName(gjson.Parse(doc))), nil
			}, cJSON)},
		def{names: []string{"JSON_LENGTH"}, sig: "JSON_LENGTH(doc [, path]) -> BIGINT",
			doc:  "Elements of an array, members of an object, 1 for a scalar; NULL when path matches nothing.",
			bind: bindJSONLength},
		def{names: []string{"JSON_KEYS"}, sig: "JSON_KEYS(doc [, path]) -> JSON", doc: "The keys of the object (at path) as a JSON array; NULL when it is not an object.",
			bind: bindJSONKeys},
		def{names: []string{"JSON_CONTAINS_PATH"}, sig: "JSON_CONTAINS_PATH(doc, 'one'|'all', path, ...) -> BOOLEAN",
			doc:  "Whether doc has a value at one (or all) of the paths.",
			bind: bindJSONContainsPath},
		def{names: []string{"JSON_SET"}, sig: "JSON_SET(doc, path, value, ...) -> JSON", doc: "doc with values set at the paths, replacing or adding.",
			bind: bindJSONModify(modSet)},
		def{names: []string{"JSON_INSERT"}, sig: "JSON_INSERT(doc, path, value, ...) -> JSON", doc: "doc with values added where the paths hold nothing.",
			bind: bindJSONModify(modInsert)},
		def{names: []string{"JSON_REPLACE"}, sig: "JSON_REPLACE(doc, path, value, ...) -> JSON", doc: "doc with the values at existing paths replaced.",
			bind: bindJSONModify(modReplace)},
		def{names: []string{"JSON_REMOVE"}, sig: "JSON_REMOVE(doc, path, ...) -> JSON", doc: "doc without the values at the paths.",
			bind: bindJSONRemove},
		def{names: []string{"JSON_MERGE_PATCH"}, sig: "JSON_MERGE_PATCH(doc, patch, ...) -> JSON", doc: "RFC 7396 merge: patch members replace doc's, null members delete them.",
			bind: bindJSONMergePatch},
	)
}

// jsonValueLen guesses the bytes AppendJSON writes for v.
func jsonValueLen(v types.Value) int {
	switch v.Kind() {
	case types.KindString:
		return len(v.Str()) + 2 + len(v.Str())/16
	case types.KindJSON:
		return len(v.Str())
	case types.KindBytes:
		return len(v.Str())*4/3 + 4
	case types.KindTimestamp, types.KindTimestampLTZ:
		return 28
	}
	return 20
}

func bindJSONObject(name string, args []Arg) (types.Type, EvalFunc, error) {
	if len(args)%2 != 0 {
		return types.Type{}, nil, funcErr(name, ErrArgCount, "expects an even number of arguments (key, value pairs), got %d", len(args))
	}
	// Keys are nearly always literals: render '{"k":' and ',"k":' once.
	prefixes := make([]string, len(args)/2)
	allConst := true
	for i := 0; i < len(args); i += 2 {
		k, ok := constString(args[i])
		if !ok {
			if args[i].Const != nil {
				return types.Type{}, nil, funcErr(name, ErrArgValue, "key %d is NULL: JSON object keys must not be NULL", i/2+1)
			}
			allConst = false
			break
		}
		b := []byte{','}
		if i == 0 {
			b[0] = '{'
		}
		b = types.AppendJSONString(b, k)
		prefixes[i/2] = string(append(b, ':'))
	}
	if allConst {
		fixedLen := 2
		for _, p := range prefixes {
			fixedLen += len(p)
		}
		return types.JSON, func(a []types.Value) (types.Value, error) {
			if len(a) == 0 {
				return jsonVal("{}"), nil
			}
			n := fixedLen
			for i := 1; i < len(a); i += 2 {
				n += jsonValueLen(a[i])
			}
			buf := make([]byte, 0, n)
			for i, p := range prefixes {
				buf = append(buf, p...)
				buf = types.AppendJSON(buf, a[2*i+1])
			}
			buf = append(buf, '}')
			return jsonVal(bytesString(buf)), nil
		}, nil
	}
	return types.JSON, func(a []types.Value) (types.Value, error) {
		n := 2
		for i := range a {
			n += jsonValueLen(a[i]) + 1
		}
		buf := make([]byte, 0, n)
		buf = append(buf, '{')
		for i := 0; i < len(a); i += 2 {
			if a[i].IsNull() {
				return types.NullValue, funcErr(name, ErrArgValue, "key %d is NULL: JSON object keys must not be NULL", i/2+1)
			}
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = types.AppendJSONString(buf, text(a[i]))
			buf = append(buf, ':')
			buf = types.AppendJSON(buf, a[i+1])
		}
		buf = append(buf, '}')
		return jsonVal(bytesString(buf)), nil
	}, nil
}

func bindJSONArray(name string, args []Arg) (types.Type, EvalFunc, error) {
	return types.JSON, func(a []types.Value) (types.Value, error) {
		n := 2
		for i := range a {
			n += jsonValueLen(a[i]) + 1
		}
		buf := make([]byte, 0, n)
		buf = append(buf, '[')
		for i := range a {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = types.AppendJSON(buf, a[i])
		}
		buf = append(buf, ']')
		return jsonVal(bytesString(buf)), nil
	}, nil
}

func bindJSONExtract(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cJSON, cText); err != nil {
		return types.Type{}, nil, err
	}
	path, err := bindPaths(name, args, 1, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.JSON, strict(func(a []types.Value) (types.Value, error) {
		doc, err := jsonDoc(name, a[0])
		if err != nil {
			return types.NullValue, err
		}
		if len(a) == 2 {
			p, err := path(a, 1)
			if err != nil {
				return types.NullValue, err
			}
			if !p.wild {
				r := p.get(doc)
				if !r.Exists() {
					return types.NullValue, nil
				}
				return jsonVal(r.Raw), nil
			}
		}
		var buf []byte
		for i := 1; i < len(a); i++ {
			p, err := path(a, i)
			if err != nil {
				return types.NullValue, err
			}
			for _, r := range p.all(doc) {
				if buf == nil {
					buf = append(buf, '[')
				} else {
					buf = append(buf, ',')
				}
				buf = append(buf, r.Raw...)
			}
		}
		if buf == nil {
			return types.NullValue, nil
		}
		return jsonVal(bytesString(append(buf, ']'))), nil
	}), nil
}

// unquoteJSONString returns the text of a JSON string literal, without
// copying when it has no escapes.
func unquoteJSONString(raw string) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if strings.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], true
	}
	r := gjson.Parse(raw)
	if r.Type != gjson.String {
		return "", false
	}
	return r.Str, true
}

func evalJSONUnquote(a []types.Value) (types.Value, error) {
	s := text(a[0])
	if u, ok := unquoteJSONString(s); ok {
		return str(u), nil
	}
	if len(s) > 0 && s[0] == '"' {
		return types.NullValue, funcErr("JSON_UNQUOTE", ErrInvalidJSON, "got an invalid JSON string %q", s)
	}
	return str(s), nil
}

func bindJSONValue(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cJSON, cText); err != nil {
		return types.Type{}, nil, err
	}
	path, err := bindPaths(name, args, 1, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.String, strict(func(a []types.Value) (types.Value, error) {
		doc, err := jsonDoc(name, a[0])
		if err != nil {
			return types.NullValue, nil // Flink: NULL ON ERROR
		}
		p, err := path(a, 1)
		if err != nil {
			return types.NullValue, err
		}
		r := p.get(doc)
		switch r.Type {
		case gjson.String:
			if u, ok := unquoteJSONString(r.Raw); ok {
				return str(u), nil
			}
			return str(r.Str), nil
		case gjson.Number, gjson.True, gjson.False:
			return str(r.Raw), nil
		}
		return types.NullValue, nil
	}), nil
}

func jsonTypeName(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return "STRING"
	case gjson.Number:
		if strings.ContainsAny(r.Raw, ".eE") {
			return "DOUBLE"
		}
		return "INTEGER"
	case gjson.True, gjson.False:
		return "BOOLEAN"
	case gjson.JSON:
		if r.IsArray() {
			return "ARRAY"
		}
		return "OBJECT"
	}
	return "NULL"
}

// bindDocAt binds f(doc, value at optional path argument 1).
func bindDocAt(name string, args []Arg, rt types.Type, f func(r gjson.Result) types.Value) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 1, 2); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cJSON, cText); err != nil {
		return types.Type{}, nil, err
	}
	path, err := bindPaths(name, args, 1, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return rt, strict(func(a []types.Value) (types.Value, error) {
		doc, err := jsonDoc(name, a[0])
		if err != nil {
			return types.NullValue, err
		}
		r := gjson.Parse(doc)
		if len(a) == 2 {
			p, err := path(a, 1)
			if err != nil {
				return types.NullValue, err
			}
			if p.wild {
				return types.NullValue, funcErr(name, ErrArgValue, "path %q must not contain wildcards", p.text)
			}
			if r = p.get(doc); !r.Exists() {
				return types.NullValue, nil
			}
		}
		return f(r), nil
	}), nil
}

func bindJSONLength(name string, args []Arg) (types.Type, EvalFunc, error) {
	return bindDocAt(name, args, types.BigInt, func(r gjson.Result) types.Value {
		if r.IsArray() || r.IsObject() {
			n := 0
			r.ForEach(func(_, _ gjson.Result) bool { n++; return true })
			return types.NewBigInt(int64(n))
		}
		return types.NewBigInt(1)
	})
}

func bindJSONKeys(name string, args []Arg) (types.Type, EvalFunc, error) {
	return bindDocAt(name, args, types.JSON, func(r gjson.Result) types.Value {
		if !r.IsObject() {
			return types.NullValue
		}
		buf := []byte{'['}
		r.ForEach(func(k, _ gjson.Result) bool {
			if len(buf) > 1 {
				buf = append(buf, ',')
			}
			buf = types.AppendJSONString(buf, k.Str)
			return true
		})
		return jsonVal(bytesString(append(buf, ']')))
	})
}

func bindJSONContainsPath(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 3, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cJSON, cText); err != nil {
		return types.Type{}, nil, err
	}
	path, err := bindPaths(name, args, 2, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.Boolean, strict(func(a []types.Value) (types.Value, error) {
		doc, err := jsonDoc(name, a[0])
		if err != nil {
			return types.NullValue, err
		}
		mode := strings.ToLower(strings.TrimSpace(text(a[1])))
		if mode != "one" && mode != "all" {
			return types.NullValue, funcErr(name, ErrArgValue, "second argument must be 'one' or 'all', got %q", text(a[1]))
		}
		for i := 2; i < len(a); i++ {
			p, err := path(a, i)
			if err != nil {
				return types.NullValue, err
			}
			found := len(p.all(doc)) > 0
			if found && mode == "one" {
				return types.NewBool(true), nil
			}
			if !found && mode == "all" {
				return types.NewBool(false), nil
			}
		}
		return types.NewBool(mode == "all"), nil
	}), nil
}

type modifyMode uint8

const (
	modSet modifyMode = iota
	modInsert
	modReplace
)

func bindJSONModify(mode modifyMode) bindFunc {
	return func(name string, args []Arg) (types.Type, EvalFunc, error) {
		if len(args) < 3 || len(args)%2 == 0 {
			return types.Type{}, nil, funcErr(name, ErrArgCount, "expects a document and path, value pairs, got %d arguments", len(args))
		}
		if err := checkClasses(name, args[:1], cJSON); err != nil {
			return types.Type{}, nil, err
		}
		path, err := bindPaths(name, args, 1, 2)
		if err != nil {
			return types.Type{}, nil, err
		}
		return types.JSON, func(a []types.Value) (types.Value, error) {
			if a[0].IsNull() {
				return types.NullValue, nil
			}
			doc, err := jsonDoc(name, a[0])
			if err != nil {
				return types.NullValue, err
			}
			for i := 1; i < len(a); i += 2 {
				if a[i].IsNull() {
					return types.NullValue, nil
				}
				p, err := path(a, i)
				if err != nil {
					return types.NullValue, err
				}
				if doc, err = modifyAt(name, doc, p, types.AppendJSON(nil, a[i+1]), mode); err != nil {
					return types.NullValue, err
				}
			}
			return jsonVal(doc), nil
		}, nil
	}
}

// modifyAt sets raw at path p in doc per mode, following MySQL: nothing is
// created under a parent that does not exist, and an array index past the
// end appends.
func modifyAt(name, doc string, p *jsonPath, raw []byte, mode modifyMode) (string, error) {
	if p.wild {
		return "", funcErr(name, ErrArgValue, "path %q must not contain wildcards", p.text)
	}
	if len(p.steps) == 0 {
		if mode == modInsert {
			return doc, nil
		}
		return string(raw), nil
	}
	exists := p.get(doc).Exists()
	if (mode == modInsert && exists) || (mode == modReplace && !exists) {
		return doc, nil
	}
	pr := parentPath(p).get(doc)
	last := p.steps[len(p.steps)-1]
	if !pr.Exists() {
		return doc, nil
	}
	gpath, _ := p.concrete(doc)
	switch last.kind {
	case stepKey:
		if !pr.IsObject() {
			return doc, nil
		}
	case stepIndex, stepLast:
		if !pr.IsArray() {
			return doc, nil // MySQL would wrap a scalar; not supported
		}
		if !exists {
			// Past the end: append.
			gpath = gpath[:max(0, strings.LastIndexByte(gpath, '.')+1)] + "-1"
		}
	}
	out, err := sjson.SetRaw(doc, gpath, string(raw))
	if err != nil {
		return "", funcErr(name, ErrArgValue, "cannot set %q: %v", p.text, err)
	}
	return out, nil
}

// parentPath compiles the parent path of p.
func parentPath(p *jsonPath) *jsonPath {
	steps := p.steps[:len(p.steps)-1]
	pp := &jsonPath{steps: steps, simple: true}
	parts := make([]string, 0, len(steps))
	for _, st := range steps {
		switch st.kind {
		case stepKey:
			parts = append(parts, gjson.Escape(st.key))
		case stepIndex:
			parts = append(parts, strconv.Itoa(st.index))
		default:
			pp.simple = false
		}
	}
	if pp.simple {
		pp.gpath = strings.Join(parts, ".")
	}
	return pp
}

func bindJSONRemove(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cJSON, cText); err != nil {
		return types.Type{}, nil, err
	}
	path, err := bindPaths(name, args, 1, 1)
	if err != nil {
		return types.Type{}, nil, err
	}
	return types.JSON, strict(func(a []types.Value) (types.Value, error) {
		doc, err := jsonDoc(name, a[0])
		if err != nil {
			return types.NullValue, err
		}
		for i := 1; i < len(a); i++ {
			p, err := path(a, i)
			if err != nil {
				return types.NullValue, err
			}
			if p.wild || len(p.steps) == 0 {
				return types.NullValue, funcErr(name, ErrArgValue, "cannot remove %q: the path must name one value below $", p.text)
			}
			if !p.get(doc).Exists() {
				continue
			}
			gpath, _ := p.concrete(doc)
			if doc, err = sjson.Delete(doc, gpath); err != nil {
				return types.NullValue, funcErr(name, ErrArgValue, "cannot remove %q: %v", p.text, err)
			}
		}
		return jsonVal(doc), nil
	}), nil
}

func bindJSONMergePatch(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cJSON); err != nil {
		return types.Type{}, nil, err
	}
	return types.JSON, strict(func(a []types.Value) (types.Value, error) {
		doc, err := jsonDoc(name, a[0])
		if err != nil {
			return types.NullValue, err
		}
		for i := 1; i < len(a); i++ {
			patch, err := jsonDoc(name, a[i])
			if err != nil {
				return types.NullValue, err
			}
			doc = string(mergePatch(nil, gjson.Parse(doc), gjson.Parse(patch)))
		}
		return jsonVal(doc), nil
	}), nil
}

// mergePatch appends RFC 7396's merge of patch into target.
func mergePatch(buf []byte, target, patch gjson.Result) []byte {
	if !patch.IsObject() {
		return append(buf, patch.Raw...)
	}
	buf = append(buf, '{')
	first := true
	member := func(k string, v []byte) {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = types.AppendJSONString(buf, k)
		buf = append(buf, ':')
		buf = append(buf, v...)
	}
	patched := map[string]gjson.Result{}
	patch.ForEach(func(k, v gjson.Result) bool { patched[k.Str] = v; return true })
	if target.IsObject() {
		target.ForEach(func(k, v gjson.Result) bool {
			pv, ok := patched[k.Str]
			switch {
			case !ok:
				member(k.Str, []byte(v.Raw))
			case pv.Type != gjson.Null:
				member(k.Str, mergePatch(nil, v, pv))
			}
			return true
		})
	}
	patch.ForEach(func(k, v gjson.Result) bool {
		if v.Type == gjson.Null || (target.IsObject() && target.Get(gjson.Escape(k.Str)).Exists()) {
			return true
		}
		member(k.Str, mergePatch(nil, gjson.Result{}, v))
		return true
	})
	return append(buf, '}')
}

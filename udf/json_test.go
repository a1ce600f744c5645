package udf

import (
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestJSONFunctions(t *testing.T) {
	doc := j(`{"a":{"b":[10,20,{"c":"x"}]},"s":"h\"i","n":1.5,"t":true,"z":null,"k y":3}`)
	runCases(t, []fcase{
		{fn: "JSON_OBJECT", args: []types.Value{s("id"), s("msg-1"), s("n"), i(3), s("ok"), b(true), s("none"), null},
			want: `JSON:{"id":"msg-1","n":3,"ok":true,"none":null}`},
		{fn: "JSON_OBJECT", args: []types.Value{s("obj"), j(`{"x":[1]}`), s("str"), s(`{"x":1}`)},
			want: `JSON:{"obj":{"x":[1]},"str":"{\"x\":1}"}`},
		{fn: "JSON_OBJECT", args: []types.Value{s("t"), ltz("2024-01-01 00:00:00"), s("d"), dec("1.50"), s("u"), s("¡Hola mundo!")},
			want: `JSON:{"t":"2024-01-01 00:00:00.000Z","d":1.50,"u":"¡Hola mundo!"}`},
		{fn: "JSON_OBJECT", args: nil, want: "JSON:{}"},
		{fn: "JSON_OBJECT", args: []types.Value{s("a")}, err: ErrArgCount},
		{fn: "JSON_OBJECT", args: []types.Value{null, i(1)}, err: ErrArgValue},
		{fn: "JSON_OBJECT", args: []types.Value{i(1), i(2)}, want: `JSON:{"1":2}`},
		{fn: "JSON_ARRAY", args: []types.Value{i(1), s("a"), null, j(`[2]`)}, want: `JSON:[1,"a",null,[2]]`},
		{fn: "JSON_ARRAY", args: nil, want: "JSON:[]"},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.a.b[1]")}, want: "JSON:20"},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.a.b[2].c")}, want: `JSON:"x"`},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.a.b[last]")}, want: `JSON:{"c":"x"}`},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.a.b[last-2]")}, want: `JSON:10`},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s(`$."k y"`)}, want: "JSON:3"},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$")}, want: "JSON:" + doc.Str()},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.missing")}, want: "NULL"},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.z")}, want: "JSON:null"},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.a.b[*]")}, want: `JSON:[10,20,{"c":"x"}]`},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$**.c")}, want: `JSON:["x"]`},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("$.n"), s("$.t")}, want: `JSON:[1.5,true]`},
		{fn: "JSON_EXTRACT", args: []types.Value{s(`{ "a" : 1 }`), s("$.a")}, want: "JSON:1"},
		{fn: "JSON_EXTRACT", args: []types.Value{s(`{bad`), s("$.a")}, err: ErrInvalidJSON},
		{fn: "JSON_EXTRACT", args: []types.Value{doc, s("a.b")}, err: ErrArgValue},
		{fn: "JSON_EXTRACT", args: []types.Value{null, s("$.a")}, want: "NULL"},
		{fn: "JSON_EXTRACT", args: []types.Value{i(1), s("$.a")}, err: ErrArgType},
		{fn: "JSON_UNQUOTE", args: []types.Value{j(`"h\"i"`)}, want: `VARCHAR:h"i`},
		{fn: "JSON_UNQUOTE", args: []types.Value{j(`"plain"`)}, want: `VARCHAR:plain`},
		{fn: "JSON_UNQUOTE", args: []types.Value{j(`[1,2]`)}, want: `VARCHAR:[1,2]`},
		{fn: "JSON_UNQUOTE", args: []types.Value{s(`abc`)}, want: `VARCHAR:abc`},
		{fn: "JSON_UNQUOTE", args: []types.Value{null}, want: "NULL"},
		{fn: "JSON_VALUE", args: []types.Value{doc, s("$.s")}, want: `VARCHAR:h"i`},
		{fn: "JSON_VALUE", args: []types.Value{doc, s("$.n")}, want: "VARCHAR:1.5"},
		{fn: "JSON_VALUE", args: []types.Value{doc, s("$.t")}, want: "VARCHAR:true"},
		{fn: "JSON_VALUE", args: []types.Value{doc, s("$.a")}, want: "NULL"},
		{fn: "JSON_VALUE", args: []types.Value{doc, s("$.z")}, want: "NULL"},
		{fn: "JSON_VALUE", args: []types.Value{s(`not json`), s("$.a")}, want: "NULL"},
		{fn: "JSON_QUOTE", args: []types.Value{s("a\"b\n")}, want: `VARCHAR:"a\"b\n"`},
		{fn: "JSON_VALID", args: []types.Value{s(`{"a":1}`)}, want: "BOOLEAN:TRUE"},
		{fn: "JSON_VALID", args: []types.Value{s(`{"a":}`)}, want: "BOOLEAN:FALSE"},
		{fn: "JSON_VALID", args: []types.Value{null}, want: "NULL"},
		{fn: "JSON_TYPE", args: []types.Value{j(`{"a":1}`)}, want: "VARCHAR:OBJECT"},
		{fn: "JSON_TYPE", args: []types.Value{j(`[1]`)}, want: "VARCHAR:ARRAY"},
		{fn: "JSON_TYPE", args: []types.Value{s(`1`)}, want: "VARCHAR:INTEGER"},
		{fn: "JSON_TYPE", args: []types.Value{s(`1.5`)}, want: "VARCHAR:DOUBLE"},
		{fn: "JSON_TYPE", args: []types.Value{s(`"x"`)}, want: "VARCHAR:STRING"},
		{fn: "JSON_TYPE", args: []types.Value{s(`false`)}, want: "VARCHAR:BOOLEAN"},
		{fn: "JSON_TYPE", args: []types.Value{s(`null`)}, want: "VARCHAR:NULL"},
		{fn: "JSON_TYPE", args: []types.Value{s(`nope`)}, err: ErrInvalidJSON},
		{fn: "JSON_LENGTH", args: []types.Value{doc}, want: "BIGINT:6"},
		{fn: "JSON_LENGTH", args: []types.Value{doc, s("$.a.b")}, want: "BIGINT:3"},
		{fn: "JSON_LENGTH", args: []types.Value{doc, s("$.n")}, want: "BIGINT:1"},
		{fn: "JSON_LENGTH", args: []types.Value{doc, s("$.nope")}, want: "NULL"},
		{fn: "JSON_KEYS", args: []types.Value{j(`{"a":1,"b":{"c":2}}`)}, want: `JSON:["a","b"]`},
		{fn: "JSON_KEYS", args: []types.Value{j(`{"a":1,"b":{"c":2}}`), s("$.b")}, want: `JSON:["c"]`},
		{fn: "JSON_KEYS", args: []types.Value{j(`[1]`)}, want: "NULL"},
		{fn: "JSON_CONTAINS_PATH", args: []types.Value{doc, s("one"), s("$.a"), s("$.q")}, want: "BOOLEAN:TRUE"},
		{fn: "JSON_CONTAINS_PATH", args: []types.Value{doc, s("all"), s("$.a"), s("$.q")}, want: "BOOLEAN:FALSE"},
		{fn: "JSON_CONTAINS_PATH", args: []types.Value{doc, s("all"), s("$.a"), s("$.n")}, want: "BOOLEAN:TRUE"},
		{fn: "JSON_CONTAINS_PATH", args: []types.Value{doc, s("some"), s("$.a")}, err: ErrArgValue},
		{fn: "JSON_SET", args: []types.Value{j(`{"a":1,"b":[2,3]}`), s("$.a"), i(10), s("$.c"), s("[true, false]")},
			want: `JSON:{"a":10,"b":[2,3],"c":"[true, false]"}`},
		{fn: "JSON_SET", args: []types.Value{j(`{"a":1}`), s("$.c"), j(`[true,false]`)}, want: `JSON:{"a":1,"c":[true,false]}`},
		{fn: "JSON_SET", args: []types.Value{j(`{"a":1,"b":[2,3]}`), s("$.b[5]"), i(9)}, want: `JSON:{"a":1,"b":[2,3,9]}`},
		{fn: "JSON_SET", args: []types.Value{j(`{"a":1}`), s("$.x.y"), i(9)}, want: `JSON:{"a":1}`},
		{fn: "JSON_SET", args: []types.Value{j(`{"a":1}`), s("$.a")}, err: ErrArgCount},
		{fn: "JSON_INSERT", args: []types.Value{j(`{"a":1,"b":[2,3]}`), s("$.a"), i(10), s("$.c"), s("x")},
			want: `JSON:{"a":1,"b":[2,3],"c":"x"}`},
		{fn: "JSON_REPLACE", args: []types.Value{j(`{"a":1,"b":[2,3]}`), s("$.a"), i(10), s("$.c"), s("x")},
			want: `JSON:{"a":10,"b":[2,3]}`},
		{fn: "JSON_REPLACE", args: []types.Value{j(`{"a":1,"b":[2,3]}`), s("$.b[last]"), i(7)}, want: `JSON:{"a":1,"b":[2,7]}`},
		{fn: "JSON_REMOVE", args: []types.Value{j(`["a",["b","c"],"d"]`), s("$[1]")}, want: `JSON:["a","d"]`},
		{fn: "JSON_REMOVE", args: []types.Value{j(`{"a":1,"b":2}`), s("$.a"), s("$.zz")}, want: `JSON:{"b":2}`},
		{fn: "JSON_REMOVE", args: []types.Value{j(`{"a":1}`), s("$")}, err: ErrArgValue},
		{fn: "JSON_MERGE_PATCH", args: []types.Value{j(`{"name":"x","a":{"b":1,"c":2}}`), j(`{"a":{"c":null,"d":4},"e":5}`)},
			want: `JSON:{"name":"x","a":{"b":1,"d":4},"e":5}`},
		{fn: "JSON_MERGE_PATCH", args: []types.Value{j(`[1,2]`), j(`{"a":1}`)}, want: `JSON:{"a":1}`},
		{fn: "JSON_MERGE_PATCH", args: []types.Value{j(`{"a":1}`), j(`true`)}, want: `JSON:true`},
	})
}

func TestConditionalFunctions(t *testing.T) {
	runCases(t, []fcase{
		{fn: "IF", args: []types.Value{b(true), i(1), i(2)}, want: "BIGINT:1"},
		{fn: "IF", args: []types.Value{b(false), i(1), i(2)}, want: "BIGINT:2"},
		{fn: "IF", args: []types.Value{null, i(1), i(2)}, want: "BIGINT:2"},
		{fn: "IF", args: []types.Value{i(5), s("yes"), s("no")}, want: "VARCHAR:yes"},
		{fn: "IF", args: []types.Value{b(true), i(1), f(2.5)}, want: "DOUBLE:1"},
		{fn: "IF", args: []types.Value{b(true), i(1), s("x")}, want: "VARCHAR:1"},
		{fn: "IF", args: []types.Value{b(true), null, i(2)}, want: "NULL"},
		{fn: "IF", args: []types.Value{b(true), i(1)}, err: ErrArgCount},
		{fn: "IFNULL", args: []types.Value{null, s("d")}, want: "VARCHAR:d"},
		{fn: "IFNULL", args: []types.Value{s("a"), s("d")}, want: "VARCHAR:a"},
		{fn: "NVL", args: []types.Value{null, i(3)}, want: "BIGINT:3"},
		{fn: "COALESCE", args: []types.Value{null, null, i(3), i(4)}, want: "BIGINT:3"},
		{fn: "COALESCE", args: []types.Value{null, null}, want: "NULL"},
		{fn: "COALESCE", args: []types.Value{null, dec("1.5"), i(2)}, want: "DECIMAL:1.5"},
		{fn: "COALESCE", args: nil, err: ErrArgCount},
		{fn: "NULLIF", args: []types.Value{i(1), i(1)}, want: "NULL"},
		{fn: "NULLIF", args: []types.Value{i(1), i(2)}, want: "BIGINT:1"},
		{fn: "NULLIF", args: []types.Value{i(1), s("1")}, want: "NULL"},
		{fn: "NULLIF", args: []types.Value{s("a"), null}, want: "VARCHAR:a"},
		{fn: "ISNULL", args: []types.Value{null}, want: "BOOLEAN:TRUE"},
		{fn: "ISNULL", args: []types.Value{i(0)}, want: "BOOLEAN:FALSE"},
	})
}

func TestUUID(t *testing.T) {
	// Expected values from Python: uuid.uuid5(uuid.NAMESPACE_URL, name).
	runCases(t, []fcase{
		{fn: "UUID", args: []types.Value{s("websocket_fanout"), types.NewInt(0), i(42)}, want: "VARCHAR:d9411ca2-b8c3-5420-a66f-ed86253bd4a0"},
		{fn: "UUID", args: []types.Value{s("a")}, want: "VARCHAR:e1407479-3136-56c0-9908-bb02fb0339e2"},
		{fn: "UUID", args: []types.Value{s("a"), null}, want: "NULL"},
	})
	if got := UUIDv5([]byte("a")); got != "e1407479-3136-56c0-9908-bb02fb0339e2" {
		t.Fatalf("UUIDv5 = %s", got)
	}
	seen := map[string]bool{}
	for k := 0; k < 100; k++ {
		_, v, err := bindCall("UUID", true)
		if err != nil {
			t.Fatal(err)
		}
		u := v.Str()
		if len(u) != 36 || u[14] != '4' || seen[u] {
			t.Fatalf("UUID() = %q: not a fresh version-4 UUID", u)
		}
		seen[u] = true
	}
}

func TestRegistryDocs(t *testing.T) {
	for _, name := range Default.Names() {
		f, ok := Default.Scalar(name)
		if !ok {
			continue // async functions (TRANSLATE) are documented elsewhere
		}
		if f.Signature == "" || f.Doc == "" || f.Category == "" || f.Bind == nil {
			t.Errorf("%s: missing Signature, Doc, Category or Bind", name)
		}
	}
	for _, want := range []string{"CONCAT", "JSON_OBJECT", "UUID", "TO_TIMESTAMP_LTZ", "PROCTIME", "DATE_ADD", "COALESCE", "ROUND"} {
		if _, ok := Default.Scalar(want); !ok {
			t.Errorf("%s is not registered", want)
		}
	}
}

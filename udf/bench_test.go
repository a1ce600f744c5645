package udf

import (
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

// bindBench binds name with the given argument types; consts marks which
// arguments are constants (their values taken from args).
func bindBench(b *testing.B, name string, args []types.Value, consts []bool) EvalFunc {
	b.Helper()
	fn, ok := Default.Scalar(name)
	if !ok {
		b.Fatalf("no %s", name)
	}
	bargs := make([]Arg, len(args))
	for k := range args {
		bargs[k] = Arg{Type: typeOf(args[k])}
		if consts[k] {
			v := args[k]
			bargs[k].Const = &v
		}
	}
	_, eval, err := fn.Bind(bargs)
	if err != nil {
		b.Fatal(err)
	}
	return eval
}

// BenchmarkJSONObject is the seed pipeline's payload: six fields with
// constant keys.
func BenchmarkJSONObject(b *testing.B) {
	args := []types.Value{
		s("id"), s("d9411ca2-b8c3-5420-a66f-ed86253bd4a0"),
		s("username"), s("alice"),
		s("text"), s("Hello world! How is everyone doing today?"),
		s("translated"), s("¡Hola mundo! ¿Cómo están todos hoy?"),
		s("language"), s("es"),
		s("timestamp"), i(1704067200),
	}
	consts := []bool{true, false, true, false, true, false, true, false, true, false, true, false}
	eval := bindBench(b, "JSON_OBJECT", args, consts)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eval(args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConcat(b *testing.B) {
	args := []types.Value{s("msg-"), s("websocket_fanout"), s("-"), types.NewInt(3), s("-"), i(123456789)}
	eval := bindBench(b, "CONCAT", args, []bool{true, false, true, false, true, false})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eval(args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUUIDv5(b *testing.B) {
	args := []types.Value{s("websocket_fanout"), types.NewInt(3), i(123456789)}
	eval := bindBench(b, "UUID", args, []bool{false, false, false})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eval(args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONExtractUnquote(b *testing.B) {
	doc := j(`{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}`)
	extract := bindBench(b, "JSON_EXTRACT", []types.Value{doc, s("$.preferredLanguage")}, []bool{false, true})
	unquote := bindBench(b, "JSON_UNQUOTE", []types.Value{j(`"es"`)}, []bool{false})
	args := []types.Value{doc, s("$.preferredLanguage")}
	b.ReportAllocs()
	for b.Loop() {
		v, err := extract(args)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := unquote([]types.Value{v}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDateFormat(b *testing.B) {
	args := []types.Value{ltz("2024-01-01 10:11:12.345"), s("%Y-%m-%d %H:%i:%s")}
	eval := bindBench(b, "DATE_FORMAT", args, []bool{false, true})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eval(args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLike(b *testing.B) {
	m := LikeMatcher("%spam%offer%", 0)
	in := "hello there, this is not the spam you are looking for, special offer inside"
	b.ReportAllocs()
	for b.Loop() {
		if !m(in) {
			b.Fatal("no match")
		}
	}
}

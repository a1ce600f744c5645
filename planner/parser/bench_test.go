package parser

import (
	"os"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
)

// BenchmarkParseScript parses PRODUCT.md's CREATE SOURCE and CREATE SINK.
func BenchmarkParseScript(b *testing.B) {
	text, err := os.ReadFile("testdata/product.sql")
	if err != nil {
		b.Fatal(err)
	}
	src := diag.NewSource("product.sql", string(text))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScript(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLift measures the lifting pass alone on a query with every
// construct it rewrites.
func BenchmarkLift(b *testing.B) {
	q := "SELECT TRANSLATE(text, lang), CAST(CAST(n AS INT) AS TIMESTAMP(3)), TUMBLE(ts, INTERVAL '1' MINUTE) -- c\nFROM s"
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lift(q, 0, len(q), ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComplete is what the REPL runs on every line typed.
func BenchmarkComplete(b *testing.B) {
	text, err := os.ReadFile("testdata/product.sql")
	if err != nil {
		b.Fatal(err)
	}
	s := string(text)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		Complete(s)
	}
}

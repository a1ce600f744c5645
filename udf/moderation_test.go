package udf

import (
	"strings"
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestMaskWords(t *testing.T) {
	_, eval, err := bindMaskWords("MASK_WORDS", []Arg{{Type: types.String}, {Type: types.String}, {Type: types.String}})
	if err != nil {
		t.Fatal(err)
	}
	call := func(vals ...types.Value) types.Value {
		t.Helper()
		for len(vals) < 3 {
			vals = append(vals, types.NullValue)
		}
		v, err := eval(vals)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s := types.NewString
	cases := []struct {
		text, words string
		mask        types.Value
		want        string
	}{
		{"you are a Spammer, spammer!", "spammer", types.NullValue, "you are a *******, *******!"},
		{"classic class", "ass", types.NullValue, "classic class"}, // whole words only
		{"buy cheap pills now", "cheap pills,now", types.NullValue, "buy *********** ***"},
		{"buy cheap   pills", "cheap pills", s("[removed]"), "buy [removed]"},
		{"Ärger und ärger", "ärger", types.NullValue, "***** und *****"},
		{"nothing here", "", types.NullValue, "nothing here"},
		{"a\nb", "b\nx", types.NullValue, "a\n*"},
		{"x-ray x ray", "x ray", types.NullValue, "***** *****"},
	}
	for _, c := range cases {
		if got := call(s(c.text), s(c.words), c.mask); got.Str() != c.want {
			t.Errorf("MASK_WORDS(%q, %q) = %q, want %q", c.text, c.words, got.Str(), c.want)
		}
	}
	if got := call(s("keep me"), types.NullValue); got.Str() != "keep me" {
		t.Errorf("NULL list: got %q", got.Str())
	}
	if got := call(types.NullValue, s("a")); !got.IsNull() {
		t.Errorf("NULL text: got %v", got)
	}
}

func BenchmarkMaskWords(b *testing.B) {
	words := ""
	for i := 0; i < 1000; i++ {
		if i > 0 {
			words += ","
		}
		words += "banned" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
	}
	_, eval, _ := bindMaskWords("MASK_WORDS", []Arg{{Type: types.String}, {Type: types.String}})
	args := []types.Value{types.NewString("hello everyone, how is the weather in Lisbon today? bannedqa is not ok"), types.NewString(words)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := eval(args); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIsLowerMatchesToLower: LOWER's no-copy shortcut agrees with
// strings.ToLower on mixed text (ASCII, accents, emoji, invalid UTF-8).
func TestIsLowerMatchesToLower(t *testing.T) {
	pieces := []string{"a", "Z", "é", "É", "😂", "ß", "İ", "σ", "Σ", "\xff", " ", "ǅ", "1"}
	rng := uint64(1)
	for i := 0; i < 20000; i++ {
		var b []byte
		for k := 0; k < 6; k++ {
			rng = rng*6364136223846793005 + 1442695040888963407
			b = append(b, pieces[(rng>>33)%uint64(len(pieces))]...)
		}
		s := string(b)
		if got, want := isLower(s), strings.ToLower(s) == s; got != want {
			t.Fatalf("isLower(%q) = %v, strings.ToLower says %v", s, got, want)
		}
	}
}

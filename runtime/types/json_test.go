package types

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "tab\tnl\ncr\r", "\x01\x1f",
		"¡Hola mundo!", "日本語のテキスト", "emoji 🎉👍", "line\u2028sep\u2029para", "€ and â€",
		"bad \xff utf8", "trunc \xe2\x80", "\xe2"}
	for _, s := range cases {
		got := string(AppendJSONString(nil, s))
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q -> %s: not JSON: %v", s, got, err)
			continue
		}
		want, _ := json.Marshal(s) // escapes invalid UTF-8 to U+FFFD too
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q -> %s reads back as %q, want %q", s, got, back, wantBack)
		}
	}
	if got := string(AppendJSONString(nil, "¡Hola mundo!")); got != `"¡Hola mundo!"` {
		t.Errorf("UTF-8 must pass through unescaped, got %s", got)
	}
}

func BenchmarkAppendJSONString(b *testing.B) {
	s := "Bonjour à tous, ça va? 日本語 🎉 and some plain ASCII text"
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	for i := 0; i < b.N; i++ {
		buf = AppendJSONString(buf[:0], s)
	}
}

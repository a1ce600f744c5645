package parser

import (
	"reflect"
	"testing"
)

func TestLex(t *testing.T) {
	type tk struct {
		kind tokKind
		val  string
	}
	tests := []struct {
		name string
		in   string
		want []tk
		err  string // what is unterminated, "" for none
	}{
		{"words and ops", "SELECT a+b FROM t", []tk{{tokIdent, "SELECT"}, {tokIdent, "a"}, {tokOp, "+"}, {tokIdent, "b"}, {tokIdent, "FROM"}, {tokIdent, "t"}}, ""},
		{"doubled quote", "'it''s'", []tk{{tokString, "it's"}}, ""},
		{"backslash escape", `'a\'b\n'`, []tk{{tokString, "a'b\n"}}, ""},
		{"double quoted string", `"x""y"`, []tk{{tokString, `x"y`}}, ""},
		{"backquoted name", "`time``stamp`", []tk{{tokQuotedIdent, "time`stamp"}}, ""},
		{"line comments", "a -- c\nb # d\nc", []tk{{tokIdent, "a"}, {tokIdent, "b"}, {tokIdent, "c"}}, ""},
		{"minus minus is not a comment", "a--b", []tk{{tokIdent, "a"}, {tokOp, "-"}, {tokOp, "-"}, {tokIdent, "b"}}, ""},
		{"block comment", "a /* ; ' */ b", []tk{{tokIdent, "a"}, {tokIdent, "b"}}, ""},
		{"numbers", "1 1.5 .5 1e3 0x1F 2.5E-3", []tk{{tokNumber, "1"}, {tokNumber, "1.5"}, {tokNumber, ".5"}, {tokNumber, "1e3"}, {tokNumber, "0x1F"}, {tokNumber, "2.5E-3"}}, ""},
		{"multi-byte ops", "a->>'$.x' <= b <> c", []tk{{tokIdent, "a"}, {tokOp, "->>"}, {tokString, "$.x"}, {tokOp, "<="}, {tokIdent, "b"}, {tokOp, "<>"}, {tokIdent, "c"}}, ""},
		{"unicode name", "naïve", []tk{{tokIdent, "naïve"}}, ""},
		{"unterminated string", "a 'bc", []tk{{tokIdent, "a"}}, "string"},
		{"unterminated comment", "a /* b", []tk{{tokIdent, "a"}}, "comment"},
		{"unterminated name", "a `b", []tk{{tokIdent, "a"}}, "quoted name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := lex(tc.in, 0, len(tc.in))
			var got []tk
			for _, x := range r.toks {
				if x.kind == tokEOF {
					break
				}
				got = append(got, tk{x.kind, x.val})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tokens = %v, want %v", got, tc.want)
			}
			gotErr := ""
			if r.err != nil {
				gotErr = r.err.what
			}
			if gotErr != tc.err {
				t.Errorf("error = %q, want %q", gotErr, tc.err)
			}
		})
	}
}

func TestLexOffsets(t *testing.T) {
	in := "SELECT `a`, 'b'"
	r := lex(in, 0, len(in))
	want := [][2]int{{0, 6}, {7, 10}, {10, 11}, {12, 15}}
	for i, w := range want {
		if got := [2]int{r.toks[i].start, r.toks[i].end}; got != w {
			t.Errorf("token %d at %v, want %v", i, got, w)
		}
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"SELECT 1", false},
		{"SELECT 1;", true},
		{"SELECT 1;  -- done", true},
		{"SELECT 1; SELECT", false},
		{"SELECT 1; SELECT 2;", true},
		{"SELECT ';'", false},
		{"SELECT 'a;", false},
		{"SELECT 1 /* ; */", false},
		{"SELECT 1 /* ;", false},
		{"SELECT (1;", false},
		{"SELECT (1;\n);", true}, // the inner ';' is inside parentheses, the last one ends it
		{"SELECT (1\n);", true},
		{"SELECT `a;`", false},
		{"SELECT `a;`;", true},
		{";", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Complete(tc.in); got != tc.want {
				t.Errorf("Complete(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"SELECT ';' ; ;\n SET a = b;", []string{"SELECT ';'", "SET a = b"}},
		{"-- only a comment", nil},
		{"SELECT 1; SELECT 'x", []string{"SELECT 1", "SELECT 'x"}},
		{"SELECT 1; 'x", []string{"SELECT 1", "'x"}},
		{"CREATE SOURCE s (a INT; SELECT 1;", []string{"CREATE SOURCE s (a INT", "SELECT 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := SplitStatements(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SplitStatements(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

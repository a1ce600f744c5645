package main

import "testing"

func TestStatementComplete(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"SELECT 1;", true},
		{"SELECT 1", false},
		{"SELECT 1;  \n", true},
		{"SELECT 1; -- done\n", true},
		{"SELECT 1; /* done */", true},
		{"SELECT ';'", false},
		{"SELECT ';' ;", true},
		{"SELECT 'it''s;'", false},
		{`SELECT 'a\';'`, false},
		{"SELECT `a;b`", false},
		{"SELECT `a;b`;", true},
		{"SELECT 1 -- ;\n", false},
		{"SELECT /* ; */ 1", false},
		{"SELECT /* unterminated ;", false},
		{"SELECT 1; SELECT", false},
		{"SELECT \"x;\";", true},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := statementComplete(tt.text); got != tt.want {
				t.Fatalf("statementComplete(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"one", "SELECT 1;", []string{"SELECT 1;"}},
		{"two on a line", "SELECT 1; SELECT 2;", []string{"SELECT 1;", " SELECT 2;"}},
		{"quoted semicolon", "SELECT ';' AS s; SELECT 2;\n", []string{"SELECT ';' AS s;", " SELECT 2;"}},
		{"trailing comment dropped", "SELECT 1; -- bye\n", []string{"SELECT 1;"}},
		{"empty statements dropped", ";; SELECT 1;", []string{" SELECT 1;"}},
		{"unterminated tail kept", "SELECT 1; SELECT 2", []string{"SELECT 1;", " SELECT 2"}},
		{"nothing", "  -- only a comment\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eq(t, splitStatements(tt.text), tt.want)
		})
	}
}

func FuzzScanSQL(f *testing.F) {
	for _, s := range []string{"SELECT ';';", "/* x", "'\\", "-- a\n;", "`a``b`;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		scanSQL(s, func(i int) {
			if s[i] != ';' {
				t.Fatalf("reported %q at %d, not ';'", s[i], i)
			}
			n++
		})
		_ = splitStatements(s)
		_ = statementComplete(s)
	})
}

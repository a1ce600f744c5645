package cep

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// trinoNotation lists a program the way Trino's
// TestIrRowPatternToProgramRewriter writes its expected instructions, with
// the variables numbered A=0, B=1, ...
func trinoNotation(p *Program) string {
	var parts []string
	for _, in := range p.insts {
		switch in.op {
		case opLabel:
			parts = append(parts, fmt.Sprintf("MatchLabel(%d)", in.arg))
		case opSplit:
			parts = append(parts, fmt.Sprintf("Split(%d, %d)", in.x, in.y))
		case opJump:
			parts = append(parts, fmt.Sprintf("Jump(%d)", in.x))
		case opDone:
			parts = append(parts, "Done()")
		}
	}
	return strings.Join(parts, " ")
}

// TestTrinoProgramLayout: the expected programs of [TIRP]
// (TestIrRowPatternToProgramRewriter), whose compilation scheme this
// package follows. Anchors and exclusions are not part of this package.
func TestTrinoProgramLayout(t *testing.T) {
	cases := []struct{ source, pattern, want string }{
		{"testPatternLabel", "A", "MatchLabel(0) Done()"},
		{"testEmptyPattern", "()", "Done()"},
		{"testPatternAlternation", "A | B", "Split(1, 3) MatchLabel(0) Jump(4) MatchLabel(1) Done()"},
		{"testPatternAlternation", "A | B | C | D",
			"Split(1, 3) MatchLabel(0) Jump(10) Split(4, 6) MatchLabel(1) Jump(10) Split(7, 9) MatchLabel(2) Jump(10) MatchLabel(3) Done()"},
		{"testPatternConcatenation", "A B", "MatchLabel(0) MatchLabel(1) Done()"},
		{"testPatternConcatenation", "A B C D", "MatchLabel(0) MatchLabel(1) MatchLabel(2) MatchLabel(3) Done()"},
		{"testPatternPermutation", "PERMUTE(A, B)", "Split(1, 4) MatchLabel(0) MatchLabel(1) Jump(6) MatchLabel(1) MatchLabel(0) Done()"},
		{"testPatternPermutation", "PERMUTE(A, B, C)",
			"Split(1, 5) MatchLabel(0) MatchLabel(1) MatchLabel(2) Jump(28) " +
				"Split(6, 10) MatchLabel(0) MatchLabel(2) MatchLabel(1) Jump(28) " +
				"Split(11, 15) MatchLabel(1) MatchLabel(0) MatchLabel(2) Jump(28) " +
				"Split(16, 20) MatchLabel(1) MatchLabel(2) MatchLabel(0) Jump(28) " +
				"Split(21, 25) MatchLabel(2) MatchLabel(0) MatchLabel(1) Jump(28) " +
				"MatchLabel(2) MatchLabel(1) MatchLabel(0) Done()"},
		{"testQuantifiers", "A*", "Split(1, 3) MatchLabel(0) Split(1, 3) Done()"},
		{"testQuantifiers", "A*?", "Split(3, 1) MatchLabel(0) Split(3, 1) Done()"},
		{"testQuantifiers", "A+", "MatchLabel(0) Split(0, 2) Done()"},
		{"testQuantifiers", "A+?", "MatchLabel(0) Split(2, 0) Done()"},
		{"testQuantifiers", "A?", "Split(1, 2) MatchLabel(0) Done()"},
		{"testQuantifiers", "A??", "Split(2, 1) MatchLabel(0) Done()"},
		{"testQuantifiers", "A{0,}", "Split(1, 3) MatchLabel(0) Split(1, 3) Done()"},
		{"testQuantifiers", "A{0,}?", "Split(3, 1) MatchLabel(0) Split(3, 1) Done()"},
		{"testQuantifiers", "A{3,}", "MatchLabel(0) MatchLabel(0) MatchLabel(0) Split(2, 4) Done()"},
		{"testQuantifiers", "A{3,}?", "MatchLabel(0) MatchLabel(0) MatchLabel(0) Split(4, 2) Done()"},
		{"testQuantifiers", "A{0,3}", "Split(1, 6) MatchLabel(0) Split(3, 6) MatchLabel(0) Split(5, 6) MatchLabel(0) Done()"},
		{"testQuantifiers", "A{0,3}?", "Split(6, 1) MatchLabel(0) Split(6, 3) MatchLabel(0) Split(6, 5) MatchLabel(0) Done()"},
		{"testQuantifiers", "A{3,3}", "MatchLabel(0) MatchLabel(0) MatchLabel(0) Done()"},
		{"testQuantifiers", "A{3,3}?", "MatchLabel(0) MatchLabel(0) MatchLabel(0) Done()"},
		{"testQuantifiers", "A{0,0}", "Done()"},
		{"testQuantifiers", "A{0,0}?", "Done()"},
		{"testQuantifiers", "A{2,4}", "MatchLabel(0) MatchLabel(0) Split(3, 6) MatchLabel(0) Split(5, 6) MatchLabel(0) Done()"},
		{"testQuantifiers", "A{2,4}?", "MatchLabel(0) MatchLabel(0) Split(6, 3) MatchLabel(0) Split(6, 5) MatchLabel(0) Done()"},
	}
	for _, c := range cases {
		p := mustCompile(t, c.pattern, "A", "B", "C", "D", "E")
		if got := trinoNotation(p); got != c.want {
			t.Errorf("[TIRP] %s: PATTERN (%s)\n got %s\nwant %s", c.source, c.pattern, got, c.want)
		}
	}
}

// TestTrinoPatternMatchingMachine: the cases of [TPMM]
// (TestPatternMatchingMachine), whose evaluator labels row i with the letter
// input[i]. Each case is one match attempt at the first row.
func TestTrinoPatternMatchingMachine(t *testing.T) {
	cases := []struct {
		source, pattern, input string
		want                   string // labels of the match at row 0; "-" for no match
	}{
		{"testEmptyMatch", "()", "ABCD", ""},
		{"testNoMatch", "A", "B", "-"},
		{"testLabels", "A B", "ABCD", "AB"},
		{"testLabels", "A* B", "AABCD", "AAB"},
		{"testLabels", "A* B", "BCD", "B"},
		{"testLabels", "A B | B C", "ABCD", "AB"},
		{"testLabels", "PERMUTE(A, B, C)", "ABCD", "ABC"},
		{"testLabels", "A B?", "ABCD", "AB"},
		{"testLabels", "A B??", "ABCD", "A"},
		{"testLongMatch", "A*", "AAAAAAAAAA", "AAAAAAAAAA"},
		{"testLongMatch", "(A+)+", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", strings.Repeat("A", 41)},
	}
	for _, c := range cases {
		p := mustCompile(t, c.pattern, "A", "B", "C", "D", "E")
		kinds := strings.Split(c.input, "")
		for _, ev := range []Evaluator{
			&testEval{names: p.names, defs: kindsDefs(p, kinds)},
			hfEval{&testEval{names: p.names, defs: kindsDefs(p, kinds)}},
		} {
			ms, err := run(p, ev, Options{}, len(kinds))
			if err != nil {
				t.Fatal(err)
			}
			got := "-"
			if len(ms) > 0 && ms[0].Start == 0 {
				got = ""
				for _, l := range ms[0].Labels {
					got += p.names[l]
				}
			}
			if got != c.want {
				t.Errorf("[TPMM] %s: PATTERN (%s) on %s: got %q, want %q", c.source, c.pattern, c.input, got, c.want)
			}
		}
	}
}

// TestProgramGolden pins Program.String, the EXPLAIN form.
func TestProgramGolden(t *testing.T) {
	patterns := []string{
		"A B+ C+",
		"A{5,}",
		"(A | B)* X",
		"PERMUTE(A, B, C)",
		"A{2,4}?",
		"(A*)*",
		"() | A",
		"J M*? (T | X{1,3})",
	}
	var b strings.Builder
	for _, src := range patterns {
		p := mustCompile(t, src)
		fmt.Fprintf(&b, "PATTERN (%s)  -- can match empty: %v, only empty: %v, always empty: %v\n%s\n",
			src, p.CanMatchEmpty(), p.OnlyEmpty(), p.AlwaysEmpty(), p)
	}
	const file = "testdata/programs.golden"
	if *update {
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("programs changed (go test -update, then review the diff):\n%s", b.String())
	}
}

func TestEmptiness(t *testing.T) {
	cases := []struct {
		pattern                   string
		canEmpty, only, alwaysEmp bool
	}{
		{"A", false, false, false},
		{"A*", true, false, false},
		{"A*?", true, false, true},
		{"A??", true, false, true},
		{"()", true, true, true},
		{"A{0}", true, true, true},
		{"(A{0})*", true, true, true},
		{"() | A", true, false, true},
		{"A | ()", true, false, false},
		{"A B?", false, false, false},
		{"(A? B?)+", true, false, false},
		{"PERMUTE(A?, B?)", true, false, false},
	}
	for _, c := range cases {
		p := mustCompile(t, c.pattern)
		if p.CanMatchEmpty() != c.canEmpty || p.OnlyEmpty() != c.only || p.AlwaysEmpty() != c.alwaysEmp {
			t.Errorf("PATTERN (%s): CanMatchEmpty %v OnlyEmpty %v AlwaysEmpty %v, want %v %v %v",
				c.pattern, p.CanMatchEmpty(), p.OnlyEmpty(), p.AlwaysEmpty(), c.canEmpty, c.only, c.alwaysEmp)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	names := []string{"A"}
	cases := []struct {
		n    Node
		want error
	}{
		{Var{1}, ErrInvalidPattern},
		{Var{-1}, ErrInvalidPattern},
		{nil, ErrInvalidPattern},
		{Alt{}, ErrInvalidPattern},
		{Quant{Item: Var{0}, Min: 3, Max: 2}, ErrInvalidPattern},
		{Quant{Item: Var{0}, Min: -1, Max: 2}, ErrInvalidPattern},
		{Quant{Item: Var{0}, Min: 1, Max: MaxProgramSize}, ErrPatternTooLarge},
		{Quant{Item: Quant{Item: Var{0}, Min: 1000, Max: 1000}, Min: 1000, Max: 1000}, ErrPatternTooLarge},
		{Permute{Items: []Node{Var{0}, Var{0}, Var{0}, Var{0}, Var{0}, Var{0}, Var{0}, Var{0}, Var{0}, Var{0}}}, ErrPatternTooLarge},
	}
	for _, c := range cases {
		if _, err := Compile(c.n, names); !errors.Is(err, c.want) {
			t.Errorf("Compile(%#v): %v, want %v", c.n, err, c.want)
		}
	}
	// pointers to nodes are nodes too
	p, err := Compile(&Concat{Items: []Node{&Var{0}, &Quant{Item: &Var{0}, Min: 1, Max: -1, Greedy: true}}}, names)
	if err != nil || trinoNotation(p) != "MatchLabel(0) MatchLabel(0) Split(1, 3) Done()" {
		t.Errorf("pointer nodes: %v %v", p, err)
	}
}

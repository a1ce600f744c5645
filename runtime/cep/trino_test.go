package cep

import (
	"errors"
	"testing"
)

// The cases of Trino's row pattern matching tests that need no measures
// beyond the labels, MATCH_NUMBER and the rows of each match. The expected
// matches are transcribed from the sources (ALL ROWS PER MATCH output: row id,
// match number, CLASSIFIER()), not produced by this engine.
//
// Sources:
//
//	[TRPM] https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
//	[TPMM] https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/operator/window/matcher/TestPatternMatchingMachine.java
//	[TIRP] https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/operator/window/matcher/TestIrRowPatternToProgramRewriter.java

type trinoCase struct {
	name    string // source test method and what it checks
	pattern string
	values  []int // the value column, ordered by id (row id = index+1)
	defs    func([]int) map[string]defineFunc
	hist    bool // the DEFINE conditions read labels: not HistoryFree
	opts    Options
	skipTo  []string // SKIP TO FIRST/LAST variables (names)
	want    []string
	wantErr error
}

var (
	values4   = []int{90, 80, 70, 70}                 // testRowPattern, testPatternQuantifiers, testEmptyCycle, testOutputModes
	values8   = []int{90, 80, 70, 80, 90, 50, 40, 60} // testSimpleQuery, testExclusionSyntax
	valuesSkp = []int{90, 80, 70, 80, 70, 80}         // testAfterMatchSkip
)

func bLessOrEqual(v []int) map[string]defineFunc {
	return map[string]defineFunc{"B": lessOrEqualPrev(v)}
}

func bLess(v []int) map[string]defineFunc {
	return map[string]defineFunc{"B": lessThanPrev(v)}
}

func vShape(v []int) map[string]defineFunc {
	return map[string]defineFunc{"B": lessThanPrev(v), "C": greaterThanPrev(v)}
}

func allEmpty4() []string { return []string{"#1 1:()", "#2 2:()", "#3 3:()", "#4 4:()"} }

var trinoCases = []trinoCase{
	// [TRPM] testSimpleQuery
	{name: "testSimpleQuery", pattern: "A B+ C+", values: values8, defs: vShape,
		want: []string{"#1 1:A 2:B 3:B 4:C 5:C", "#2 6:A 7:B 8:C"}},

	// [TRPM] testRowPattern: "empty pattern ... in non-preferred branch of pattern alternation and will not be matched"
	{name: "testRowPattern/() | A", pattern: "() | A", values: values4, want: allEmpty4()},
	// [TRPM] testRowPattern: pattern concatenation
	{name: "testRowPattern/A B C", pattern: "A B C", values: values4,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"B": lessThanPrev(v), "C": equalPrev(v)}
		},
		want: []string{"#1 2:A 3:B 4:C"}},
	// [TRPM] testRowPattern: "when multiple alternatives match, the first in order of declaration is preferred"
	{name: "testRowPattern/B | C | A", pattern: "B | C | A", values: values4,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"B": lessThanPrev(v), "C": lessOrEqualPrev(v)}
		},
		want: []string{"#1 1:A", "#2 2:B", "#3 3:B", "#4 4:C"}},
	// [TRPM] testRowPattern: "when multiple permutations match, the first in lexicographical order is preferred"
	{name: "testRowPattern/PERMUTE(B, C)", pattern: "PERMUTE(B, C)", values: values4,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"B": lessThanPrev(v), "C": lessThanPrev(v)}
		},
		want: []string{"#1 2:B 3:C"}},
	// [TRPM] testRowPattern: grouped pattern
	{name: "testRowPattern/grouped", pattern: "((A) (B (C)))", values: values4,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"B": lessThanPrev(v), "C": equalPrev(v)}
		},
		want: []string{"#1 2:A 3:B 4:C"}},

	// [TRPM] testPatternQuantifiers: DEFINE B AS B.value <= PREV(B.value) over 90, 80, 70, 70
	{name: "testPatternQuantifiers/B*", pattern: "B*", values: values4, defs: bLessOrEqual,
		want: []string{"#1 1:()", "#2 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B*?", pattern: "B*?", values: values4, defs: bLessOrEqual, want: allEmpty4()},
	{name: "testPatternQuantifiers/B+", pattern: "B+", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B+?", pattern: "B+?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B?", pattern: "B?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 1:()", "#2 2:B", "#3 3:B", "#4 4:B"}},
	{name: "testPatternQuantifiers/B??", pattern: "B??", values: values4, defs: bLessOrEqual, want: allEmpty4()},
	{name: "testPatternQuantifiers/B{,}", pattern: "B{,}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 1:()", "#2 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B{,}?", pattern: "B{,}?", values: values4, defs: bLessOrEqual, want: allEmpty4()},
	{name: "testPatternQuantifiers/B{1,}", pattern: "B{1,}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B{1,}?", pattern: "B{1,}?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{2,}", pattern: "B{2,}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B{2,}?", pattern: "B{2,}?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B"}},
	{name: "testPatternQuantifiers/B{5,}", pattern: "B{5,}", values: values4, defs: bLessOrEqual, want: nil},
	{name: "testPatternQuantifiers/B{5,}?", pattern: "B{5,}?", values: values4, defs: bLessOrEqual, want: nil},
	{name: "testPatternQuantifiers/B{,1}", pattern: "B{,1}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 1:()", "#2 2:B", "#3 3:B", "#4 4:B"}},
	{name: "testPatternQuantifiers/B{,1}?", pattern: "B{,1}?", values: values4, defs: bLessOrEqual, want: allEmpty4()},
	{name: "testPatternQuantifiers/B{,2}", pattern: "B{,2}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 1:()", "#2 2:B 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{,2}?", pattern: "B{,2}?", values: values4, defs: bLessOrEqual, want: allEmpty4()},
	{name: "testPatternQuantifiers/B{,5}", pattern: "B{,5}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 1:()", "#2 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B{,5}?", pattern: "B{,5}?", values: values4, defs: bLessOrEqual, want: allEmpty4()},
	{name: "testPatternQuantifiers/B{1,1}", pattern: "B{1,1}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{1,1}?", pattern: "B{1,1}?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{1,5}", pattern: "B{1,5}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B 4:B"}},
	{name: "testPatternQuantifiers/B{1,5}?", pattern: "B{1,5}?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{5,7}", pattern: "B{5,7}", values: values4, defs: bLessOrEqual, want: nil},
	{name: "testPatternQuantifiers/B{5,7}?", pattern: "B{5,7}?", values: values4, defs: bLessOrEqual, want: nil},
	{name: "testPatternQuantifiers/B{1}", pattern: "B{1}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{1}?", pattern: "B{1}?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B", "#2 3:B", "#3 4:B"}},
	{name: "testPatternQuantifiers/B{2}", pattern: "B{2}", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B"}},
	{name: "testPatternQuantifiers/B{2}?", pattern: "B{2}?", values: values4, defs: bLessOrEqual,
		want: []string{"#1 2:B 3:B"}},
	{name: "testPatternQuantifiers/B{5}", pattern: "B{5}", values: values4, defs: bLessOrEqual, want: nil},
	{name: "testPatternQuantifiers/B{5}?", pattern: "B{5}?", values: values4, defs: bLessOrEqual, want: nil},

	// [TRPM] testExclusionSyntax: "no exclusion -- outputting all matched rows" (exclusions are an output concern)
	{name: "testExclusionSyntax/no exclusion", pattern: "A B+ C+", values: values8, defs: vShape,
		want: []string{"#1 1:A 2:B 3:B 4:C 5:C", "#2 6:A 7:B 8:C"}},

	// [TRPM] testEmptyCycle: DEFINE B AS B.value < PREV(B.value) over 90, 80, 70, 70
	{name: "testEmptyCycle/()* | B", pattern: "()* | B", values: values4, defs: bLess, want: allEmpty4()},
	{name: "testEmptyCycle/()+ | B", pattern: "()+ | B", values: values4, defs: bLess, want: allEmpty4()},
	{name: "testEmptyCycle/(){5,} | B", pattern: "(){5,} | B", values: values4, defs: bLess, want: allEmpty4()},
	{name: "testEmptyCycle/B | ()*", pattern: "B | ()*", values: values4, defs: bLess,
		want: []string{"#1 1:()", "#2 2:B", "#3 3:B", "#4 4:()"}},
	{name: "testEmptyCycle/(B ()*)*", pattern: "(B ()*)*", values: values4, defs: bLess,
		want: []string{"#1 1:()", "#2 2:B 3:B", "#3 4:()"}},
	{name: "testEmptyCycle/(B ()*)*?", pattern: "(B ()*)*?", values: values4, defs: bLess, want: allEmpty4()},

	// [TRPM] testOutputModes: the matches behind ONE ROW / ALL ROWS PER MATCH
	{name: "testOutputModes/B*", pattern: "B*", values: values4, defs: bLess,
		want: []string{"#1 1:()", "#2 2:B 3:B", "#3 4:()"}},
	{name: "testOutputModes/B+", pattern: "B+", values: values4, defs: bLess,
		want: []string{"#1 2:B 3:B"}},

	// [TRPM] testAfterMatchSkip: PATTERN (A B+ C+ D?) SUBSET U = (C, D), D AS false
	{name: "testAfterMatchSkip/PAST LAST ROW", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		want: []string{"#1 1:A 2:B 3:B 4:C"}},
	{name: "testAfterMatchSkip/TO NEXT ROW", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		opts: Options{Skip: SkipToNextRow},
		want: []string{"#1 1:A 2:B 3:B 4:C", "#2 2:A 3:B 4:C", "#3 4:A 5:B 6:C"}},
	{name: "testAfterMatchSkip/TO FIRST C", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		opts: Options{Skip: SkipToFirst}, skipTo: []string{"C"},
		want: []string{"#1 1:A 2:B 3:B 4:C", "#2 4:A 5:B 6:C"}},
	{name: "testAfterMatchSkip/TO LAST B", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		opts: Options{Skip: SkipToLast}, skipTo: []string{"B"},
		want: []string{"#1 1:A 2:B 3:B 4:C", "#2 4:A 5:B 6:C"}},
	{name: "testAfterMatchSkip/TO U (C, D)", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		opts: Options{Skip: SkipToLast}, skipTo: []string{"C", "D"},
		want: []string{"#1 1:A 2:B 3:B 4:C", "#2 4:A 5:B 6:C"}},
	{name: "testAfterMatchSkip/TO A: cannot skip to first row", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		opts: Options{Skip: SkipToLast}, skipTo: []string{"A"},
		want: []string{"#1 1:A 2:B 3:B 4:C"}, wantErr: ErrSkipToFirstRow},
	{name: "testAfterMatchSkip/TO D: variable not present", pattern: "A B+ C+ D?", values: valuesSkp, defs: skipDefs,
		opts: Options{Skip: SkipToLast}, skipTo: []string{"D"},
		want: []string{"#1 1:A 2:B 3:B 4:C"}, wantErr: ErrSkipToMissingVariable},

	// [TRPM] testEmptyMatches: PATTERN (A B{2}) with SKIP TO NEXT ROW
	{name: "testEmptyMatches", pattern: "A B{2}", values: []int{100, 100, 90, 80, 70, 100}, defs: bLess,
		opts: Options{Skip: SkipToNextRow},
		want: []string{"#1 2:A 3:B 4:B", "#2 3:A 4:B 5:B"}},

	// [TRPM] testUnionVariable: PATTERN ((L | H) A)
	{name: "testUnionVariable", pattern: "(L | H) A", values: []int{90, 80, 70, 80},
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{
				"A": func(r int, _ Thread) bool { return v[r] == 80 },
				"L": func(r int, _ Thread) bool { return v[r] < 80 },
				"H": func(r int, _ Thread) bool { return v[r] > 80 },
			}
		},
		want: []string{"#1 1:H 2:A", "#2 3:L 4:A"}},

	// [TRPM] testCaseSensitiveLabels: PATTERN (a "b"+ C+)
	{name: "testCaseSensitiveLabels", pattern: `a "b"+ C+`, values: []int{90, 80, 70, 80},
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"b": lessThanPrev(v), "C": greaterThanPrev(v)}
		},
		want: []string{"#1 1:A 2:b 3:b 4:C"}},

	// [TRPM] testScalarFunctions: DEFINE B AS B.value + 10 < abs(PREV(B.value))
	{name: "testScalarFunctions", pattern: "A B+", values: []int{90, 80, 60},
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"B": func(r int, _ Thread) bool {
				p, ok := prev(v, r)
				return ok && v[r]+10 < max(p, -p)
			}}
		},
		want: []string{"#1 2:A 3:B"}},

	// [TRPM] testRunningAndFinal
	{name: "testRunningAndFinal", pattern: "A B+ C+", values: []int{90, 80, 70, 100, 200}, defs: vShape,
		want: []string{"#1 1:A 2:B 3:B 4:C 5:C"}},

	// [TRPM] testPartitioningAndOrdering: partition p1 ordered by id, p2, p3, and the unpartitioned input
	{name: "testPartitioningAndOrdering/p1", pattern: "B+", values: []int{90, 80, 70, 80, 90, 80}, defs: bLess,
		want: []string{"#1 2:B 3:B", "#2 6:B"}},
	{name: "testPartitioningAndOrdering/p2", pattern: "B+", values: []int{20, 20, 10}, defs: bLess,
		want: []string{"#1 3:B"}},
	{name: "testPartitioningAndOrdering/p3", pattern: "B+", values: []int{50, 60, 70}, defs: bLess, want: nil},
	{name: "testPartitioningAndOrdering/no partitioning", pattern: "B+", values: []int{80, 90, 30, 20, 10}, defs: bLess,
		want: []string{"#1 3:B 4:B 5:B"}},
	{name: "testPartitioningAndOrdering/empty input", pattern: "B+", values: nil, defs: bLess, want: nil},

	// [TRPM] testSubqueries: PATTERN (A+), A true, SKIP TO NEXT ROW: every match ends at the last row
	// (FINAL LAST(A.value + 1000) is 1400 in all four)
	{name: "testSubqueries/A+ to next row", pattern: "A+", values: []int{100, 200, 300, 400},
		opts: Options{Skip: SkipToNextRow},
		want: []string{"#1 1:A 2:A 3:A 4:A", "#2 2:A 3:A 4:A", "#3 3:A 4:A", "#4 4:A"}},

	// [TRPM] testBackReference: DEFINE X AS value = A.value over (1), (1)
	{name: "testBackReference/A.value", pattern: "(A | B)* X", values: []int{1, 1}, hist: true,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"X": func(r int, t Thread) bool {
				a, ok := lastValue(v, t, r, "A")
				return ok && v[r] == a
			}}
		},
		want: []string{"#1 1:A 2:X"}},
	// [TRPM] testBackReference: DEFINE X AS value = B.value
	{name: "testBackReference/B.value", pattern: "(A | B)* X", values: []int{1, 1}, hist: true,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"X": func(r int, t Thread) bool {
				b, ok := lastValue(v, t, r, "B")
				return ok && v[r] == b
			}}
		},
		want: []string{"#1 1:B 2:X"}},
	// [TRPM] testBackReference: X AS value = PREV(LAST(A.value), 3) + FIRST(A.value) + PREV(LAST(B.value), 2)
	{name: "testBackReference/navigation", pattern: "(A | B)* X", values: []int{1, 2, 3, 4, 5, 6}, hist: true,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{"X": func(r int, t Thread) bool {
				lastA, firstA, lastB := -1, -1, -1
				for i := t.Start(); i < r; i++ {
					switch testNames[t.Label(i)] {
					case "A":
						lastA = i
						if firstA < 0 {
							firstA = i
						}
					case "B":
						lastB = i
					}
				}
				if lastA-3 < 0 || firstA < 0 || lastB-2 < 0 {
					return false // a NULL operand
				}
				return v[r] == v[lastA-3]+v[firstA]+v[lastB-2]
			}}
		},
		want: []string{"#1 1:B 2:A 3:A 4:A 5:B 6:X"}},

	// [TRPM] testPotentiallyExponentialMatch: PATTERN ((A+)+ B) over 20 rows of 1, A AS value = 1, B AS value = 2
	{name: "testPotentiallyExponentialMatch", pattern: "(A+)+ B", values: ones(20), hist: true,
		defs: func(v []int) map[string]defineFunc {
			return map[string]defineFunc{
				"A": func(r int, _ Thread) bool { return v[r] == 1 },
				"B": func(r int, _ Thread) bool { return v[r] == 2 },
			}
		},
		want: nil},

	// [TRPM] testExponentialMatch: PATTERN ((A | B)+ LAST), LAST AS FIRST(CLASSIFIER(), k) = 'B' for k = 0..7
	{name: "testExponentialMatch", pattern: "(A | B)+ LAST", values: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, hist: true,
		defs: func([]int) map[string]defineFunc {
			return map[string]defineFunc{"LAST": func(r int, t Thread) bool {
				for k := 0; k < 8; k++ {
					// FIRST(CLASSIFIER(), k) in running semantics: rows past the current one are NULL
					row := t.Start() + k
					if row >= r || testNames[t.Label(row)] != "B" {
						return false
					}
				}
				return true
			}}
		},
		want: []string{"#1 1:B 2:B 3:B 4:B 5:B 6:B 7:B 8:B 9:LAST"}},
}

func skipDefs(v []int) map[string]defineFunc {
	return map[string]defineFunc{"B": lessThanPrev(v), "C": greaterThanPrev(v), "D": never}
}

func ones(n int) []int {
	v := make([]int, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// testNames maps the label of a thread back to its name inside DEFINE
// functions of the cases above; set per case by TestTrinoRowPatternMatching
// (the tests of this file do not run in parallel).
var testNames []string

// lastValue is X.value in a DEFINE (running semantics): the value of the last
// row labelled name before row.
func lastValue(v []int, t Thread, row int, name string) (int, bool) {
	for i := row - 1; i >= t.Start(); i-- {
		if testNames[t.Label(i)] == name {
			return v[i], true
		}
	}
	return 0, false
}

func TestTrinoRowPatternMatching(t *testing.T) {
	for _, c := range trinoCases {
		t.Run(c.name, func(t *testing.T) {
			p := mustCompile(t, c.pattern)
			testNames = p.names
			defs := map[string]defineFunc{}
			if c.defs != nil {
				defs = c.defs(c.values)
			}
			o := c.opts
			for _, name := range c.skipTo {
				o.SkipVars = append(o.SkipVars, varIndexOrAdd(p, name))
			}
			evals := []Evaluator{&testEval{names: p.names, defs: defs}}
			if !c.hist {
				evals = append(evals, hfEval{&testEval{names: p.names, defs: defs}})
			}
			for _, ev := range evals {
				got, err := run(p, ev, o, len(c.values))
				if !errors.Is(err, c.wantErr) || (err != nil && c.wantErr == nil) {
					t.Fatalf("%T: error %v, want %v", ev, err, c.wantErr)
				}
				if g := format(p, got); !equalStrings(g, c.want) {
					t.Fatalf("%T: PATTERN (%s)\n got %q\nwant %q\nprogram:\n%s", ev, c.pattern, g, c.want, p)
				}
				checkRestore(t, p, ev, o, len(c.values), got, c.wantErr)
			}
		})
	}
}

// varIndexOrAdd finds a SKIP TO variable; a variable that the pattern does
// not use (testAfterMatchSkip's D is in the pattern, but a SUBSET member need
// not be) gets an index past the pattern's variables.
func varIndexOrAdd(p *Program, name string) int {
	for i, n := range p.names {
		if n == name {
			return i
		}
	}
	p.names = append(p.names, name)
	return len(p.names) - 1
}

// checkRestore snapshots the matcher after every prefix of the rows, rebuilds
// it with NewMatcherAt and the replay of the retained rows, and checks that
// the matches of the whole run do not change and that replay reproduces the
// same threads.
func checkRestore(t *testing.T, p *Program, ev Evaluator, o Options, n int, want []Match, wantErr error) {
	t.Helper()
	for k := 0; k <= n; k++ {
		m := NewMatcher(p, ev, o)
		var got []Match
		var err error
		for r := 0; r < k && err == nil; r++ {
			var ms []Match
			ms, err = m.Push(r)
			got = append(got, ms...)
		}
		if err != nil {
			continue // the error happened before the snapshot
		}
		next, number := m.State()
		if next != m.Oldest() {
			t.Fatalf("k=%d: State start %d != Oldest %d", k, next, m.Oldest())
		}
		r2 := NewMatcherAt(p, ev, o, next, number)
		for r := next; r < k; r++ {
			ms, err := r2.Push(r)
			if err != nil || len(ms) != 0 {
				t.Fatalf("k=%d: replay of row %d reported %v, %v", k, r, ms, err)
			}
		}
		if !sameThreads(m, r2) {
			t.Fatalf("k=%d: replay rebuilt other threads", k)
		}
		for r := k; r < n && err == nil; r++ {
			var ms []Match
			ms, err = r2.Push(r)
			got = append(got, ms...)
		}
		if err == nil {
			var ms []Match
			ms, err = r2.Finish()
			got = append(got, ms...)
		}
		sameErr := errors.Is(err, wantErr) || (err != nil && wantErr != nil && err.Error() == wantErr.Error())
		if !sameErr || !equalStrings(format(p, got), format(p, want)) {
			t.Fatalf("restored after %d rows: %q, %v; want %q, %v", k, format(p, got), err, format(p, want), wantErr)
		}
	}
}

func sameThreads(a, b *Matcher) bool {
	if !a.active && !b.active {
		return a.nextStart == b.nextStart && a.number == b.number
	}
	if a.chain != nil || b.chain != nil {
		return a.chain != nil && b.chain != nil && a.active == b.active && a.start == b.start && a.pos == b.pos &&
			a.accepted == b.accepted && a.accDepth == b.accDepth
	}
	if a.active != b.active || a.start != b.start || a.pos != b.pos || len(a.cur) != len(b.cur) || a.accepted != b.accepted {
		return false
	}
	if a.accepted && (a.acc.depth != b.acc.depth || !sameHistory(a.acc, b.acc)) {
		return false
	}
	for i := range a.cur {
		if a.cur[i].pc != b.cur[i].pc || a.cur[i].h.depth != b.cur[i].h.depth || !sameHistory(a.cur[i].h, b.cur[i].h) {
			return false
		}
	}
	return true
}

package cep

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// kindsMatcher builds a matcher over rows whose kinds say which variables
// they may take (see kindsDefs).
func kindsMatcher(t *testing.T, pattern, rows string, o Options, historyFree bool) (*Matcher, *Program) {
	t.Helper()
	p := mustCompile(t, pattern)
	kinds := strings.Fields(rows)
	ev := &testEval{names: p.names, defs: kindsDefs(p, kinds)}
	if historyFree {
		return NewMatcher(p, hfEval{ev}, o), p
	}
	return NewMatcher(p, ev, o), p
}

// pushEach pushes rows from..to-1 and returns what each Push reported.
func pushEach(t *testing.T, m *Matcher, p *Program, from, to int) [][]string {
	t.Helper()
	var out [][]string
	for r := from; r < to; r++ {
		ms, err := m.Push(r)
		if err != nil {
			t.Fatalf("Push(%d): %v", r, err)
		}
		out = append(out, format(p, ms))
	}
	return out
}

func TestGreedyTailWaitsForTheRowThatEndsIt(t *testing.T) {
	m, p := kindsMatcher(t, "A+", "A A A B A A", Options{}, false)
	got := pushEach(t, m, p, 0, 6)
	want := [][]string{{}, {}, {}, {"#1 1:A 2:A 3:A"}, {}, {}}
	for r := range want {
		if !equalStrings(got[r], want[r]) {
			t.Fatalf("Push(%d) = %q, want %q", r, got[r], want[r])
		}
	}
	if !m.Pending() || m.Oldest() != 4 {
		t.Fatalf("Pending %v Oldest %d, want true 4", m.Pending(), m.Oldest())
	}
	ms, err := m.Finish()
	if err != nil || !equalStrings(format(p, ms), []string{"#2 5:A 6:A"}) {
		t.Fatalf("Finish = %q, %v", format(p, ms), err)
	}
	if m.Pending() {
		t.Fatal("pending after Finish")
	}
}

func TestReluctantMatchIsFinalAtOnce(t *testing.T) {
	m, p := kindsMatcher(t, "A B+?", "A B B A B", Options{}, true)
	got := pushEach(t, m, p, 0, 5)
	want := [][]string{{}, {"#1 1:A 2:B"}, {}, {}, {"#2 4:A 5:B"}}
	for r := range want {
		if !equalStrings(got[r], want[r]) {
			t.Fatalf("Push(%d) = %q, want %q", r, got[r], want[r])
		}
	}
}

func TestEmptyMatchesArePushed(t *testing.T) {
	// A* at a row that is not an A: an empty match, reported by that row's Push.
	m, p := kindsMatcher(t, "A*", "B A A B", Options{}, false)
	got := pushEach(t, m, p, 0, 4)
	want := [][]string{{"#1 1:()"}, {}, {}, {"#2 2:A 3:A", "#3 4:()"}}
	for r := range want {
		if !equalStrings(got[r], want[r]) {
			t.Fatalf("Push(%d) = %q, want %q", r, got[r], want[r])
		}
	}
	// A pattern that only matches empty: one empty match per row, at once.
	m, p = kindsMatcher(t, "()", "B B", Options{}, false)
	got = pushEach(t, m, p, 0, 2)
	if !equalStrings(got[0], []string{"#1 1:()"}) || !equalStrings(got[1], []string{"#2 2:()"}) {
		t.Fatalf("PATTERN (()) = %q", got)
	}
}

func TestFailedAttemptReplaysRetainedRows(t *testing.T) {
	// A+ B fails at row 1 only when row 4 (a C) arrives; the next attempts
	// replay rows 2..4 and fail too; the match starting at row 6 follows.
	p := mustCompile(t, "A+ B")
	kinds := strings.Fields("A A A A C A B")
	ev := &testEval{names: p.names, defs: kindsDefs(p, kinds)}
	m := NewMatcher(p, ev, Options{})
	got := pushEach(t, m, p, 0, 4)
	for _, g := range got {
		if len(g) != 0 || m.Oldest() != 0 {
			t.Fatalf("early report %q, oldest %d", got, m.Oldest())
		}
	}
	pushEach(t, m, p, 4, 5)
	if m.Pending() || m.Oldest() != 5 {
		t.Fatalf("after the C: pending %v oldest %d", m.Pending(), m.Oldest())
	}
	calls := ev.calls
	got = pushEach(t, m, p, 5, 7)
	if !equalStrings(got[1], []string{"#1 6:A 7:B"}) {
		t.Fatalf("got %q", got)
	}
	// The cost of replay: attempt 0 asks A for row 0, then A and B for
	// rows 1..4 (9 calls), attempt 1 asks 7, attempt 2 five, attempt 3
	// three, attempt 4 one.
	if calls != 9+7+5+3+1 {
		t.Fatalf("Define calls for the failing run: %d, want 25", calls)
	}
}

func TestExpireFinalisesAnAcceptedGreedyMatch(t *testing.T) {
	m, p := kindsMatcher(t, "A B+", "A B B B", Options{}, true)
	pushEach(t, m, p, 0, 3)
	if !m.Pending() {
		t.Fatal("A B B should be pending (more B may come)")
	}
	ms, err := m.Expire(func(start int) bool { return start <= 0 })
	if err != nil || !equalStrings(format(p, ms), []string{"#1 1:A 2:B 3:B"}) {
		t.Fatalf("Expire = %q, %v", format(p, ms), err)
	}
	if m.Pending() || m.Oldest() != 3 {
		t.Fatalf("after expiry: pending %v oldest %d", m.Pending(), m.Oldest())
	}
	// The next attempt starts at row 3 (past the last row of the match).
	got := pushEach(t, m, p, 3, 4)
	if len(got[0]) != 0 || m.Pending() {
		t.Fatalf("row 4 (a B) starts no match: %q pending %v", got, m.Pending())
	}
}

func TestExpireReportsTheMostPreferredPartialMatch(t *testing.T) {
	// "user joined and sent nothing": PATTERN (J M) and only the J arrives.
	m, p := kindsMatcher(t, "J M", "J", Options{}, true)
	pushEach(t, m, p, 0, 1)
	ms, err := m.Expire(func(start int) bool { return true })
	if err != nil || !equalStrings(format(p, ms), []string{"timeout 1:J"}) || ms[0].Number != 0 {
		t.Fatalf("Expire = %q, %v", format(p, ms), err)
	}

	// Two live threads over the same rows: (A | B)+ C prefers A for a row
	// that may be either, so the partial match is the all-A one.
	m, p = kindsMatcher(t, "(A | B)+ C", "AB AB", Options{}, false)
	pushEach(t, m, p, 0, 2)
	if m.Threads() < 2 {
		t.Fatalf("threads = %d", m.Threads())
	}
	ms, _ = m.Expire(func(start int) bool { return start == 0 })
	// the attempt at row 0 times out; the one at row 1 is replayed and is
	// still in its window
	if !equalStrings(format(p, ms), []string{"timeout 1:A 2:A"}) || !m.Pending() || m.Oldest() != 1 {
		t.Fatalf("Expire = %q, pending %v, oldest %d", format(p, ms), m.Pending(), m.Oldest())
	}
	ms, _ = m.Expire(func(start int) bool { return start <= 1 })
	if !equalStrings(format(p, ms), []string{"timeout 2:A"}) || m.Pending() {
		t.Fatalf("Expire = %q, pending %v", format(p, ms), m.Pending())
	}

	// Every start whose attempt times out with a live thread gets its own
	// partial match; attempts that fail on their own report nothing.
	m, p = kindsMatcher(t, "A+ B", "A A X A", Options{}, true)
	pushEach(t, m, p, 0, 4)
	ms, _ = m.Expire(func(int) bool { return true })
	if !equalStrings(format(p, ms), []string{"timeout 4:A"}) {
		t.Fatalf("Expire = %q", format(p, ms))
	}
	m, p = kindsMatcher(t, "A+ B", "A A A", Options{}, true)
	pushEach(t, m, p, 0, 3)
	ms, _ = m.Expire(func(int) bool { return true })
	if !equalStrings(format(p, ms), []string{"timeout 1:A 2:A 3:A", "timeout 2:A 3:A", "timeout 3:A"}) {
		t.Fatalf("Expire = %q", format(p, ms))
	}
}

func TestWithinEndsAttemptsAtTheFirstRowOutsideTheWindow(t *testing.T) {
	times := []int{0, 2, 5, 11, 12}
	within := func(start, row int) bool { return times[row]-times[start] <= 10 }

	// A B+ C WITHIN 10: row 4 (t=11) is outside the window of row 1: the
	// attempt times out with A B B; the later attempts start at B rows and fail.
	m, p := kindsMatcher(t, "A B+ C", "A B B B C", Options{Within: within}, true)
	var all []string
	for _, g := range pushEach(t, m, p, 0, 5) {
		all = append(all, g...)
	}
	if !equalStrings(all, []string{"timeout 1:A 2:B 3:B"}) {
		t.Fatalf("got %q", all)
	}

	// A greedy match accepted inside the window is final when the window ends.
	m, p = kindsMatcher(t, "A B+", "A B B B", Options{Within: within}, true)
	got := pushEach(t, m, p, 0, 4)
	if !equalStrings(got[3], []string{"#1 1:A 2:B 3:B"}) {
		t.Fatalf("got %q", got)
	}

	// A replayed attempt gets its own window: after the timed-out attempt at
	// row 1, the attempt at row 2 (t=2) does reach row 5 (t=12).
	m, p = kindsMatcher(t, "A+ C", "A A A A C", Options{Within: within}, true)
	all = nil
	for _, g := range pushEach(t, m, p, 0, 5) {
		all = append(all, g...)
	}
	if !equalStrings(all, []string{"timeout 1:A 2:A 3:A", "#1 2:A 3:A 4:A 5:C"}) {
		t.Fatalf("got %q", all)
	}
}

func TestMaxThreadsCapsAndCounts(t *testing.T) {
	// (A | B)* C with rows that may be A or B: without HistoryFree every
	// history is a distinct thread, 2^n of them.
	rows := strings.TrimSpace(strings.Repeat("AB ", 12))
	m, p := kindsMatcher(t, "(A | B)* C", rows, Options{MaxThreads: 8}, false)
	for r := 0; r < 12; r++ {
		if _, err := m.Push(r); err != nil {
			t.Fatal(err)
		}
		if m.Threads() > 8 {
			t.Fatalf("row %d: %d threads", r, m.Threads())
		}
	}
	if m.Dropped() == 0 {
		t.Fatal("nothing dropped")
	}
	// the survivors are the most preferred: the all-A history first
	if got := appendLabels(nil, m.cur[0].h); strings.Count(labelString(p, got), "A") != 12 {
		t.Fatalf("most preferred thread: %s", labelString(p, got))
	}

	// The same pattern with HistoryFree: one thread per label instruction.
	m, _ = kindsMatcher(t, "(A | B)* C", rows, Options{MaxThreads: 8}, true)
	for r := 0; r < 12; r++ {
		m.Push(r)
		if m.Threads() > 3 {
			t.Fatalf("HistoryFree: row %d: %d threads", r, m.Threads())
		}
	}
	if m.Dropped() != 0 {
		t.Fatalf("HistoryFree dropped %d", m.Dropped())
	}

	// No cap: all 2^n.
	m, _ = kindsMatcher(t, "(A | B)* C", rows, Options{MaxThreads: -1}, false)
	for r := 0; r < 10; r++ {
		m.Push(r)
	}
	// after 10 rows: 2^10 histories, each waiting at A, B and C
	if m.Threads() != 3<<10 {
		t.Fatalf("threads after 10 rows without cap: %d, want %d", m.Threads(), 3<<10)
	}
	if m.Dropped() != 0 {
		t.Fatal("dropped without cap")
	}
}

func labelString(p *Program, labels []int) string {
	var b strings.Builder
	for _, l := range labels {
		b.WriteString(p.varName(l))
	}
	return b.String()
}

// allTrue is an evaluator for which every variable holds on every row.
type allTrue struct{ calls int }

func (e *allTrue) Define(int, int, Thread) (bool, error) { e.calls++; return true, nil }

type allTrueHF struct{ allTrue }

func (*allTrueHF) HistoryFree() bool { return true }

func TestHistoryFreeKeepsLongMatchesCheap(t *testing.T) {
	// PATTERN (A{5,}) with A always true: one live thread and one DEFINE
	// call per row, however long the match grows.
	p := mustCompile(t, "A{5,}")
	ev := &allTrueHF{}
	m := NewMatcher(p, ev, Options{})
	const n = 200_000
	for r := 0; r < n; r++ {
		if _, err := m.Push(r); err != nil {
			t.Fatal(err)
		}
		if m.Threads() != 1 {
			t.Fatalf("row %d: %d threads", r, m.Threads())
		}
	}
	if ev.calls != n {
		t.Fatalf("%d Define calls for %d rows", ev.calls, n)
	}
	ms, _ := m.Finish()
	if len(ms) != 1 || ms[0].End != n || len(ms[0].Labels) != n {
		t.Fatalf("Finish = %d matches", len(ms))
	}

	// A pattern where HistoryFree matters: with every row both A and B,
	// (A | B){5,} has 2^n histories; merged by instruction they are 2.
	p = mustCompile(t, "(A | B){5,} C")
	ev = &allTrueHF{}
	m = NewMatcher(p, ev, Options{})
	for r := 0; r < 10_000; r++ {
		m.Push(r)
		if m.Threads() > p.labelInsts {
			t.Fatalf("row %d: %d threads", r, m.Threads())
		}
	}
	// C is also true on every row, but the greedy loop is preferred.
	if ev.calls > 3*10_000 {
		t.Fatalf("%d Define calls for 10000 rows: Define not cached per row", ev.calls)
	}
}

func TestIdenticalHistoriesMerge(t *testing.T) {
	// (A+)+ B over all-A rows: the inner and outer loops reach the same
	// instructions with the same labels; Trino's testPotentiallyExponentialMatch.
	p := mustCompile(t, "(A+)+ B")
	ev := &testEval{names: p.names, defs: map[string]defineFunc{"B": never}}
	m := NewMatcher(p, ev, Options{MaxThreads: -1})
	for r := 0; r < 1000; r++ {
		m.Push(r)
		if m.Threads() > p.labelInsts {
			t.Fatalf("row %d: %d threads", r, m.Threads())
		}
	}
	// (A | A)* B: two branches that label alike give equal histories in
	// distinct nodes; they merge by content.
	p = mustCompile(t, "(A | A)* B")
	ev = &testEval{names: p.names, defs: map[string]defineFunc{"B": never}}
	m = NewMatcher(p, ev, Options{MaxThreads: -1})
	for r := 0; r < 200; r++ {
		m.Push(r)
		if m.Threads() > p.labelInsts {
			t.Fatalf("(A | A)* B row %d: %d threads", r, m.Threads())
		}
	}
}

func TestManyHistoriesAtOneInstruction(t *testing.T) {
	// Past bigSeen histories per instruction the step looks them up by hash:
	// results must not change. (A | B)* (A | B) C over AB rows: thousands of
	// live histories, merged only when equal.
	p := mustCompile(t, "(A | B | A)* C")
	rows := make([]string, 11)
	for i := range rows {
		rows[i] = "AB"
	}
	rows = append(rows, "C")
	ev := &testEval{names: p.names, defs: kindsDefs(p, rows)}
	ms, err := run(p, ev, Options{MaxThreads: -1}, len(rows))
	if err != nil || len(ms) != 1 || labelString(p, ms[0].Labels) != "AAAAAAAAAAAC" {
		t.Fatalf("got %q, %v", format(p, ms), err)
	}
	ref := &refMatcher{ev: ev, n: len(rows)}
	n, _ := parsePattern(t, "(A | B | A)* C")
	want, _ := ref.all(n)
	if !equalStrings(format(p, ms), format(p, want)) {
		t.Fatalf("got %q, want %q", format(p, ms), format(p, want))
	}
}

func TestEvaluatorErrorEndsThePartition(t *testing.T) {
	boom := errors.New("division by zero in DEFINE B")
	p := mustCompile(t, "A B")
	ev := &errEval{at: 2, err: boom}
	m := NewMatcher(p, ev, Options{})
	m.Push(0)
	m.Push(1)
	if _, err := m.Push(2); !errors.Is(err, boom) {
		t.Fatalf("Push(2) = %v", err)
	}
	if _, err := m.Push(3); !errors.Is(err, boom) {
		t.Fatalf("Push(3) after the error = %v", err)
	}
	if _, err := m.Finish(); !errors.Is(err, boom) {
		t.Fatalf("Finish after the error = %v", err)
	}
}

type errEval struct {
	at  int
	err error
}

func (e *errEval) Define(v, row int, _ Thread) (bool, error) {
	if row == e.at {
		return false, e.err
	}
	return true, nil
}

func TestRowOrderAndOptions(t *testing.T) {
	p := mustCompile(t, "A")
	m := NewMatcher(p, &allTrue{}, Options{})
	if _, err := m.Push(1); !errors.Is(err, ErrRowOrder) {
		t.Fatalf("first row 1: %v", err)
	}
	m.Push(0)
	if _, err := m.Push(2); !errors.Is(err, ErrRowOrder) {
		t.Fatalf("gap: %v", err)
	}
	if _, err := m.Push(0); !errors.Is(err, ErrRowOrder) {
		t.Fatalf("repeat: %v", err)
	}
	for _, o := range []Options{{Skip: SkipToFirst}, {Skip: SkipToLast, SkipVars: []int{3}}, {Skip: 9}} {
		if _, err := NewMatcher(p, &allTrue{}, o).Push(0); !errors.Is(err, ErrBadOptions) {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	// A restored matcher takes replayed rows from before its next start.
	m = NewMatcherAt(p, &allTrue{}, Options{}, 5, 7)
	for r := 3; r < 5; r++ {
		if ms, err := m.Push(r); err != nil || len(ms) != 0 {
			t.Fatalf("Push(%d) before the start: %v %v", r, ms, err)
		}
	}
	ms, err := m.Push(5)
	if err != nil || len(ms) != 1 || ms[0].Number != 8 || ms[0].Start != 5 {
		t.Fatalf("Push(5) = %+v %v", ms, err)
	}
}

func TestThreadLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var slab nodeSlab
	h := newRoot()
	var labels []int
	for i := 0; i < 5000; i++ {
		l := rng.IntN(7)
		labels = append(labels, l)
		h = slab.extend(h, int32(l))
		view := &threadView{start: 100, h: h}
		if view.Len() != len(labels) {
			t.Fatalf("Len %d, want %d", view.Len(), len(labels))
		}
		for k := 0; k < 5; k++ {
			j := rng.IntN(len(labels))
			if got := view.Label(100 + j); got != labels[j] {
				t.Fatalf("Label(%d) = %d, want %d", 100+j, got, labels[j])
			}
		}
		if view.Label(99) != -1 || view.Label(100+len(labels)) != -1 {
			t.Fatal("Label outside the thread is not -1")
		}
	}
	got := (&threadView{start: 0, h: h}).AppendLabels([]int{42})
	if got[0] != 42 || len(got) != len(labels)+1 || got[1] != labels[0] || got[len(got)-1] != labels[len(labels)-1] {
		t.Fatal("AppendLabels")
	}
	// the skip pointers make a lookup O(log n)
	steps := 0
	for n := h; n.depth > 1; steps++ {
		if n.jump.depth >= 1 {
			n = n.jump
		} else {
			n = n.parent
		}
	}
	if steps > 3*13 {
		t.Fatalf("%d steps to the first row of 5000", steps)
	}
}

// TestEmptyIterationSemantics pins what an iteration that matches no row
// does, as Trino's automaton (and so this one) defines it: the loop cannot
// go round again at the same row, and it leaves through its own exit, in
// the exit's place in the preference order. In the first iteration that
// place is right after the empty iteration, so (() | A)* prefers the empty
// match; in later iterations the exit comes after the body's other
// branches, so (A | () | B)* over A B takes the B, where a literal reading of
// "an empty iteration ends the loop" would stop at A.
func TestEmptyIterationSemantics(t *testing.T) {
	cases := []struct{ pattern, rows, want string }{
		{"(() | A)*", "A A", "#1 1:() #2 2:()"},
		{"(A | () | B)*", "A B", "#1 1:A 2:B"},
		{"(A | ())+ B", "A A B", "#1 1:A 2:A 3:B"},
		{"(A* | B)*", "A B A", "#1 1:A 2:B 3:A"},
	}
	for _, c := range cases {
		for _, hf := range []bool{false, true} {
			p := mustCompile(t, c.pattern)
			kinds := strings.Fields(c.rows)
			var ev Evaluator = &testEval{names: p.names, defs: kindsDefs(p, kinds)}
			if hf {
				ev = hfEval{ev.(*testEval)}
			}
			ms, err := run(p, ev, Options{}, len(kinds))
			if got := strings.Join(format(p, ms), " "); err != nil || got != c.want {
				t.Errorf("PATTERN (%s) over %s (HistoryFree %v): %q %v, want %q", c.pattern, c.rows, hf, got, err, c.want)
			}
		}
	}
}

package cep

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// forceVM makes m run its program on the VM even if it is a chain.
func forceVM(m *Matcher) {
	m.chain = nil
	m.initVM()
}

// recordEval logs every Define call with the thread it was given.
type recordEval struct {
	ev  Evaluator
	log []string
}

func (e *recordEval) Define(v, row int, t Thread) (bool, error) {
	labels := t.(LabelAppender).AppendLabels(nil)
	var byRow []int
	for i := t.Start() - 1; i <= row; i++ {
		byRow = append(byRow, t.Label(i))
	}
	ok, err := e.ev.Define(v, row, t)
	e.log = append(e.log, fmt.Sprint(v, row, t.Start(), t.Len(), labels, byRow, ok, err))
	return ok, err
}

type recordEvalHF struct{ *recordEval }

func (recordEvalHF) HistoryFree() bool { return true }

// randomChain is a pattern that compiles to a chain: 0-2 variables, then a
// variable alone, or greedily quantified: {n,} with n >= 1, {n,m} with n >= 1
// unless a variable comes before it.
func randomChain(rng *rand.Rand, nvars int) Node {
	var items []Node
	for range rng.IntN(3) {
		items = append(items, Var{rng.IntN(nvars)})
	}
	v := Var{rng.IntN(nvars)}
	lo := 0
	if len(items) == 0 {
		lo = 1
	}
	switch rng.IntN(3) {
	case 0:
		items = append(items, v)
	case 1:
		items = append(items, Quant{Item: v, Min: 1 + rng.IntN(4), Max: -1, Greedy: true})
	case 2:
		n := lo + rng.IntN(3)
		items = append(items, Quant{Item: v, Min: n, Max: n + rng.IntN(3), Greedy: true})
	}
	if len(items) == 1 {
		return items[0]
	}
	return Concat{Items: items}
}

func TestChainRecognised(t *testing.T) {
	for _, c := range []struct {
		pattern string
		chain   bool
	}{
		{"A", true}, {"A B C", true}, {"A{5,}", true}, {"A+", true}, {"A B+", true}, {"A{3}", true},
		{"A{2,4}", true}, {"A B{0,2}", true}, {"A B{2,}", true},
		{"A*", false}, {"A?", false}, {"A{0,3}", false}, {"A{5,}?", false}, {"A+?", false}, {"(A B)+", false},
		{"A | B", false}, {"A B? C", false}, {"A+ B", false}, {"A{2,3}?", false}, {"PERMUTE(A, B)", false},
	} {
		p := mustCompile(t, c.pattern)
		if got := p.chain != nil; got != c.chain {
			t.Errorf("PATTERN (%s): chain %v, want %v\n%s", c.pattern, got, c.chain, p)
		}
	}
}

// TestChainAgainstVM runs chain patterns twice in lock step, once with the
// row count (stepChain) and once on the VM, through random Push, Expire,
// Finish, State/restore and Reset calls with every option, and requires the
// same matches, errors, counts, state and Define calls (with the same
// thread labels) at every step.
func TestChainAgainstVM(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	iterations := 4000
	if testing.Short() {
		iterations = 400
	}
	for it := range iterations {
		nvars := 1 + rng.IntN(3)
		pattern := randomChain(rng, nvars)
		rows := rng.IntN(20)
		history := rng.IntN(2) == 0
		defs, names := randomEval(rng, nvars, rows, history)
		p, err := Compile(pattern, names)
		if err != nil {
			t.Fatalf("Compile(%s): %v", nodeString(pattern, names), err)
		}
		if p.chain == nil {
			t.Fatalf("PATTERN %s is not a chain:\n%s", nodeString(pattern, names), p)
		}
		o := Options{Skip: SkipMode(rng.IntN(4)), MaxThreads: []int{-1, 0, 1}[rng.IntN(3)], DiscardTimedOut: rng.IntN(2) == 0}
		if o.Skip >= SkipToFirst {
			o.SkipVars = []int{rng.IntN(nvars)}
		}
		times := make([]int, rows+1)
		for i := 1; i <= rows; i++ {
			times[i] = times[i-1] + rng.IntN(3)
		}
		window := 1 + rng.IntN(6)
		if rng.IntN(4) != 0 {
			o.Within = func(start, row int) bool { return times[row]-times[start] <= window }
		}
		errRow := -1
		if rng.IntN(8) == 0 && rows > 0 {
			errRow = rng.IntN(rows)
		}
		var base Evaluator = &testEval{names: names, defs: defs}
		if errRow >= 0 {
			base = &errAt{base, errRow}
		}
		recA, recB := &recordEval{ev: base}, &recordEval{ev: base}
		var evA, evB Evaluator = recA, recB
		if !history && rng.IntN(2) == 0 {
			evA, evB = recordEvalHF{recA}, recordEvalHF{recB}
		}
		fast, vm := NewMatcher(p, evA, o), NewMatcher(p, evB, o)
		forceVM(vm)
		desc := func() string {
			return fmt.Sprintf("PATTERN %s, options %+v (within %v, window %d, times %v), %d rows, history %v, err row %d\nrows: %s",
				nodeString(pattern, names), o, o.Within != nil, window, times, rows, history, errRow, describeRows(defs, names, rows))
		}
		var trace []string
		compare := func(what string, ma, mb []Match, ea, eb error) {
			trace = append(trace, what)
			sa := fmt.Sprint(format(p, ma), ea, fast.TakeTimedOut(), fast.Pending(), fast.Oldest(), fast.Threads(), fast.Dropped())
			sb := fmt.Sprint(format(p, mb), eb, vm.TakeTimedOut(), vm.Pending(), vm.Oldest(), vm.Threads(), vm.Dropped())
			na, nb := fast.State()
			ka, kb := vm.State()
			sa += fmt.Sprint(" state ", na, nb)
			sb += fmt.Sprint(" state ", ka, kb)
			for i := range ma {
				sa += fmt.Sprint(" ", ma[i].Start, ma[i].End)
			}
			for i := range mb {
				sb += fmt.Sprint(" ", mb[i].Start, mb[i].End)
			}
			if sa != sb || strings.Join(recA.log, "|") != strings.Join(recB.log, "|") {
				t.Fatalf("iteration %d, %s\nafter %s:\nchain %s\nVM    %s\nchain calls %v\nVM    calls %v\n%s",
					it, desc(), strings.Join(trace, ", "), sa, sb, recA.log, recB.log, p)
			}
		}
		for r := 0; r < rows; r++ {
			ma, ea := fast.Push(r)
			mb, eb := vm.Push(r)
			compare(fmt.Sprintf("Push(%d)", r), ma, mb, ea, eb)
			switch rng.IntN(5) {
			case 0:
				at := times[r] + rng.IntN(3)
				dl := func(start int) bool { return at-times[start] >= window }
				ma, ea = fast.Expire(dl)
				mb, eb = vm.Expire(dl)
				compare(fmt.Sprintf("Expire(at %d)", at), ma, mb, ea, eb)
			case 1:
				// restore both from their state by replaying the rows from it
				next, number := fast.State()
				fast = NewMatcherAt(p, evA, o, next, number)
				vm = NewMatcherAt(p, evB, o, next, number)
				forceVM(vm)
				for k := next; k <= r; k++ {
					ma, ea := fast.Push(k)
					mb, eb := vm.Push(k)
					compare(fmt.Sprintf("replay(%d)", k), ma, mb, ea, eb)
				}
			case 2:
				if rng.IntN(8) == 0 {
					fast.Reset(r+1, 7)
					vm.Reset(r+1, 7)
					compare(fmt.Sprintf("Reset(%d)", r+1), nil, nil, nil, nil)
				}
			}
		}
		ma, ea := fast.Finish()
		mb, eb := vm.Finish()
		compare("Finish", ma, mb, ea, eb)
	}
}

// errAt is an evaluator that fails on one row.
type errAt struct {
	ev  Evaluator
	row int
}

func (e *errAt) Define(v, row int, t Thread) (bool, error) {
	if row == e.row {
		return false, fmt.Errorf("bad row %d", row)
	}
	return e.ev.Define(v, row, t)
}

type windowOf func(start, row int) bool

func (w windowOf) InWindow(start, row int) bool { return w(start, row) }

// TestWindowOption: Options.Window is Options.Within as an interface (the
// same matches), and setting both is an error.
func TestWindowOption(t *testing.T) {
	times := []int{0, 1, 2, 6, 7, 8, 9, 20, 21}
	in := func(start, row int) bool { return times[row]-times[start] <= 3 }
	for _, pattern := range []string{"A{2,}", "A B* C"} {
		p := mustCompile(t, pattern)
		ev := &testEval{names: p.names}
		want, err := run(p, ev, Options{Within: in}, len(times))
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(p, ev, Options{Window: windowOf(in)}, len(times))
		if err != nil || !equalStrings(format(p, got), format(p, want)) {
			t.Errorf("PATTERN (%s): Window gives %q %v, Within %q", pattern, format(p, got), err, format(p, want))
		}
		if _, err := run(p, ev, Options{Within: in, Window: windowOf(in)}, 1); !errors.Is(err, ErrBadOptions) {
			t.Errorf("PATTERN (%s): Within and Window: %v, want ErrBadOptions", pattern, err)
		}
	}
}

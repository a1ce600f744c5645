package cep

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// refMatcher is a plain backtracking matcher over the pattern tree, written
// from the standard's definition of preference (greedy: more iterations
// first; reluctant: fewer; alternation: left first; PERMUTE: lexicographic
// order) and sequential matching with AFTER MATCH SKIP. It is exponential and
// has no loop guard, so it is used only on patterns whose unbounded
// quantifiers cannot iterate on an empty match.
type refMatcher struct {
	ev   Evaluator
	n    int
	skip Options // Skip, SkipVars and Within
}

type sliceThread struct {
	start  int
	labels []int
}

func (t *sliceThread) Start() int { return t.start }
func (t *sliceThread) Len() int   { return len(t.labels) }
func (t *sliceThread) Label(row int) int {
	if i := row - t.start; i >= 0 && i < len(t.labels) {
		return t.labels[i]
	}
	return -1
}

type cont func(i int, labels []int) bool

func (r *refMatcher) match(n Node, start, i int, labels []int, k cont) bool {
	switch n := n.(type) {
	case Var:
		if i >= r.n || (r.skip.Within != nil && !r.skip.Within(start, i)) {
			return false
		}
		ok, err := r.ev.Define(n.Index, i, &sliceThread{start, labels})
		if err != nil || !ok {
			return false
		}
		return k(i+1, append(labels[:len(labels):len(labels)], n.Index))
	case Empty:
		return k(i, labels)
	case Concat:
		return r.concat(n.Items, start, i, labels, k)
	case Alt:
		for _, it := range n.Items {
			if r.match(it, start, i, labels, k) {
				return true
			}
		}
		return false
	case Permute:
		for _, perm := range permutations(len(n.Items), 1<<20) {
			items := make([]Node, len(perm))
			for j, p := range perm {
				items[j] = n.Items[p]
			}
			if r.concat(items, start, i, labels, k) {
				return true
			}
		}
		return false
	case Quant:
		var rep func(count, i int, labels []int) bool
		rep = func(count, i int, labels []int) bool {
			more := func() bool {
				return r.match(n.Item, start, i, labels, func(i2 int, l2 []int) bool { return rep(count+1, i2, l2) })
			}
			if count < n.Min {
				return more()
			}
			if n.Max != -1 && count == n.Max {
				return k(i, labels)
			}
			if n.Greedy {
				return more() || k(i, labels)
			}
			return k(i, labels) || more()
		}
		return rep(0, i, labels)
	}
	panic(fmt.Sprintf("refMatcher: %T", n))
}

func (r *refMatcher) concat(items []Node, start, i int, labels []int, k cont) bool {
	if len(items) == 0 {
		return k(i, labels)
	}
	return r.match(items[0], start, i, labels, func(i2 int, l2 []int) bool {
		return r.concat(items[1:], start, i2, l2, k)
	})
}

func (r *refMatcher) all(pattern Node) ([]Match, error) {
	var out []Match
	var number int64
	for s := 0; s < r.n; {
		var found []int
		ok := r.match(pattern, s, s, nil, func(_ int, labels []int) bool {
			found = append([]int{}, labels...)
			return true
		})
		if !ok {
			s++
			continue
		}
		number++
		m := Match{Start: s, End: s + len(found), Number: number}
		if len(found) > 0 {
			m.Labels = found
		}
		out = append(out, m)
		switch {
		case m.Empty():
			s++
		case r.skip.Skip == SkipPastLastRow:
			s = m.End
		case r.skip.Skip == SkipToNextRow:
			s++
		default:
			at := -1
			for i, l := range found {
				for _, v := range r.skip.SkipVars {
					if l == v && (at < 0 || r.skip.Skip == SkipToLast) {
						at = s + i
					}
				}
			}
			if at < 0 {
				return out, ErrSkipToMissingVariable
			}
			if at == s {
				return out, ErrSkipToFirstRow
			}
			s = at
		}
	}
	return out, nil
}

// randomPattern builds a pattern over nvars variables; an unbounded
// quantifier never gets a body that can match empty (see refMatcher).
func randomPattern(rng *rand.Rand, nvars, depth int) Node {
	if depth == 0 || rng.IntN(4) == 0 {
		if rng.IntN(12) == 0 {
			return Empty{}
		}
		return Var{rng.IntN(nvars)}
	}
	items := func() []Node {
		k := 2 + rng.IntN(2)
		out := make([]Node, k)
		for i := range out {
			out[i] = randomPattern(rng, nvars, depth-1)
		}
		return out
	}
	switch rng.IntN(5) {
	case 0, 1:
		return Concat{items()}
	case 2:
		return Alt{items()}
	case 3:
		if rng.IntN(3) == 0 {
			return Permute{items()}
		}
		return Concat{items()}
	}
	item := randomPattern(rng, nvars, depth-1)
	q := Quant{Item: item, Greedy: rng.IntN(2) == 0}
	q.Min = rng.IntN(3)
	if nodeCanBeEmpty(item) || rng.IntN(2) == 0 {
		q.Max = q.Min + rng.IntN(3)
	} else {
		q.Max = -1
	}
	return q
}

func nodeCanBeEmpty(n Node) bool {
	switch n := n.(type) {
	case Var:
		return false
	case Empty:
		return true
	case Concat:
		for _, it := range n.Items {
			if !nodeCanBeEmpty(it) {
				return false
			}
		}
		return true
	case Permute:
		return nodeCanBeEmpty(Concat(n))
	case Alt:
		for _, it := range n.Items {
			if nodeCanBeEmpty(it) {
				return true
			}
		}
		return false
	case Quant:
		return n.Min == 0 || nodeCanBeEmpty(n.Item)
	}
	return false
}

func nodeString(n Node, names []string) string {
	switch n := n.(type) {
	case Var:
		return names[n.Index]
	case Empty:
		return "()"
	case Concat:
		var parts []string
		for _, it := range n.Items {
			parts = append(parts, nodeString(it, names))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case Alt:
		var parts []string
		for _, it := range n.Items {
			parts = append(parts, nodeString(it, names))
		}
		return "(" + strings.Join(parts, " | ") + ")"
	case Permute:
		var parts []string
		for _, it := range n.Items {
			parts = append(parts, nodeString(it, names))
		}
		return "PERMUTE(" + strings.Join(parts, ", ") + ")"
	case Quant:
		q := fmt.Sprintf("{%d,%d}", n.Min, n.Max)
		if n.Max == -1 {
			q = fmt.Sprintf("{%d,}", n.Min)
		}
		if !n.Greedy {
			q += "?"
		}
		return nodeString(n.Item, names) + q
	}
	return "?"
}

// randomEval allows variable v at row i when allowed[i][v]; with history it
// also requires, for the last variable, that the thread so far holds an odd
// number of rows labelled with the first variable (a condition on labels,
// like A.x or COUNT(A.*) in a real DEFINE).
func randomEval(rng *rand.Rand, nvars, rows int, history bool) (map[string]defineFunc, []string) {
	names := []string{"A", "B", "C", "D"}[:nvars]
	allowed := make([][]bool, rows)
	for i := range allowed {
		allowed[i] = make([]bool, nvars)
		for v := range allowed[i] {
			allowed[i][v] = rng.IntN(3) != 0
		}
	}
	defs := map[string]defineFunc{}
	for v, name := range names {
		defs[name] = func(row int, t Thread) bool {
			if !allowed[row][v] {
				return false
			}
			if history && v == nvars-1 {
				count := 0
				for i := t.Start(); i < row; i++ {
					if t.Label(i) == 0 {
						count++
					}
				}
				return count%2 == 1
			}
			return true
		}
	}
	return defs, names
}

func TestAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	iterations := 3000
	if testing.Short() {
		iterations = 300
	}
	for it := 0; it < iterations; it++ {
		nvars := 2 + rng.IntN(2)
		pattern := randomPattern(rng, nvars, 3)
		rows := rng.IntN(14)
		history := rng.IntN(2) == 0
		defs, names := randomEval(rng, nvars, rows, history)
		p, err := Compile(pattern, names)
		if err != nil {
			t.Fatalf("Compile(%s): %v", nodeString(pattern, names), err)
		}
		o := Options{Skip: SkipMode(rng.IntN(4)), MaxThreads: -1}
		withWindow := rng.IntN(3) == 0
		if withWindow {
			times := make([]int, rows)
			for i := 1; i < rows; i++ {
				times[i] = times[i-1] + rng.IntN(3)
			}
			window := 1 + rng.IntN(6)
			o.Within = func(start, row int) bool { return times[row]-times[start] <= window }
		}
		if o.Skip >= SkipToFirst {
			o.SkipVars = []int{rng.IntN(nvars)}
			if rng.IntN(3) == 0 {
				o.SkipVars = append(o.SkipVars, rng.IntN(nvars))
			}
		}
		ref := &refMatcher{ev: &testEval{names: names, defs: defs}, n: rows, skip: o}
		want, wantErr := ref.all(pattern)

		evals := []Evaluator{&testEval{names: names, defs: defs}}
		if !history {
			evals = append(evals, hfEval{&testEval{names: names, defs: defs}})
		}
		for _, ev := range evals {
			got, err := runChecked(t, p, ev, o, rows)
			if withWindow {
				got = completeOnly(got)
				// DiscardTimedOut: the same matches, no partial ones
				od := o
				od.DiscardTimedOut = true
				gotD, errD := runChecked(t, p, ev, od, rows)
				if fmt.Sprint(errD) != fmt.Sprint(err) || !equalStrings(format(p, gotD), format(p, got)) {
					t.Fatalf("PATTERN %s, DiscardTimedOut: got %q %v, want %q %v", nodeString(pattern, names), format(p, gotD), errD, format(p, got), err)
				}
			}
			if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) || !equalStrings(format(p, got), format(p, want)) {
				t.Fatalf("PATTERN %s, skip %v %v, %d rows, %T\nrows: %s\n got %q %v\nwant %q %v\nprogram:\n%s",
					nodeString(pattern, names), o.Skip, o.SkipVars, rows, ev, describeRows(defs, names, rows),
					format(p, got), err, format(p, want), wantErr, p)
			}
		}
		{
			// a matcher Reset after part of another run gives a new one's answer
			ev := evals[len(evals)-1]
			want, wantErr := run(p, ev, o, rows)
			got, err := runAfterReset(p, ev, o, rows, rng.IntN(rows+1), rng.IntN(2) == 0)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || !equalStrings(format(p, got), format(p, want)) {
				t.Fatalf("PATTERN %s, after Reset: got %q %v, want %q %v", nodeString(pattern, names), format(p, got), err, format(p, want), wantErr)
			}
		}
		if it%10 == 0 {
			// against the matcher's own full run, timed-out matches included
			full, err := run(p, evals[len(evals)-1], o, rows)
			checkRestore(t, p, evals[len(evals)-1], o, rows, full, err)
		}
	}
}

// completeOnly drops the timed-out partial matches, which the reference does
// not compute.
func completeOnly(ms []Match) []Match {
	var out []Match
	for _, m := range ms {
		if !m.TimedOut {
			out = append(out, m)
		}
	}
	return out
}

// runChecked is run with the streaming invariants checked on the way: a
// match reported by Push(r) lies within the rows pushed, Oldest never moves
// back, and the matcher is idle only when the next attempt is past the last
// row.
func runChecked(t *testing.T, p *Program, ev Evaluator, o Options, n int) ([]Match, error) {
	t.Helper()
	m := NewMatcher(p, ev, o)
	var all []Match
	oldest := 0
	for r := 0; r < n; r++ {
		ms, err := m.Push(r)
		for _, x := range ms {
			if x.End > r+1 || x.Start < oldest {
				t.Fatalf("Push(%d) reported rows %d..%d (oldest %d)", r, x.Start, x.End, oldest)
			}
		}
		all = append(all, ms...)
		if err != nil {
			return all, err
		}
		if m.Oldest() < oldest {
			t.Fatalf("Oldest went back from %d to %d", oldest, m.Oldest())
		}
		oldest = m.Oldest()
		if !m.Pending() && m.Oldest() <= r {
			t.Fatalf("idle after row %d with next start %d", r, m.Oldest())
		}
	}
	ms, err := m.Finish()
	if err == nil && m.Pending() {
		t.Fatalf("pending after Finish")
	}
	return append(all, ms...), err
}

func describeRows(defs map[string]defineFunc, names []string, n int) string {
	var rows []string
	for r := 0; r < n; r++ {
		var s string
		for _, name := range names {
			if defs[name](r, &sliceThread{0, []int{0}}) {
				s += name
			}
		}
		rows = append(rows, fmt.Sprintf("%d:%s", r+1, s))
	}
	return strings.Join(rows, " ")
}

// runAfterReset is run on a matcher that first took rows 0..prefix-1 (and,
// if finish, its Finish) and was then Reset.
func runAfterReset(p *Program, ev Evaluator, o Options, n, prefix int, finish bool) ([]Match, error) {
	m := NewMatcher(p, ev, o)
	for r := 0; r < prefix; r++ {
		if _, err := m.Push(r); err != nil {
			break
		}
	}
	if finish {
		m.Finish()
	}
	m.Reset(0, 0)
	var all []Match
	for r := 0; r < n; r++ {
		ms, err := m.Push(r)
		all = append(all, ms...)
		if err != nil {
			return all, err
		}
	}
	ms, err := m.Finish()
	return append(all, ms...), err
}

package cep

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// parsePattern is a test-only reader of PATTERN text: concatenation,
// alternation |, grouping, (), PERMUTE(a, b, ...), quantifiers * + ? {n}
// {n,} {,m} {n,m} with a trailing ? for reluctant. Variables are numbered in
// the order of vars, then of first appearance.
func parsePattern(t testing.TB, src string, vars ...string) (Node, []string) {
	t.Helper()
	p := &patParser{src: src, vars: append([]string(nil), vars...)}
	n, err := p.alt()
	if err == nil && p.peek() != 0 {
		err = fmt.Errorf("unexpected %q at %d", p.peek(), p.i)
	}
	if err != nil {
		t.Fatalf("pattern %q: %v", src, err)
	}
	return n, p.vars
}

type patParser struct {
	src  string
	i    int
	vars []string
}

func (p *patParser) peek() byte {
	for p.i < len(p.src) && p.src[p.i] == ' ' {
		p.i++
	}
	if p.i >= len(p.src) {
		return 0
	}
	return p.src[p.i]
}

func (p *patParser) alt() (Node, error) {
	var items []Node
	for {
		n, err := p.concat()
		if err != nil {
			return nil, err
		}
		items = append(items, n)
		if p.peek() != '|' {
			break
		}
		p.i++
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return Alt{items}, nil
}

func (p *patParser) concat() (Node, error) {
	var items []Node
	for {
		c := p.peek()
		if c == 0 || c == '|' || c == ')' || c == ',' {
			break
		}
		n, err := p.quantified()
		if err != nil {
			return nil, err
		}
		items = append(items, n)
	}
	switch len(items) {
	case 0:
		return Empty{}, nil
	case 1:
		return items[0], nil
	}
	return Concat{items}, nil
}

func (p *patParser) quantified() (Node, error) {
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		q := Quant{Item: n, Greedy: true}
		switch p.peek() {
		case '*':
			p.i++
			q.Min, q.Max = 0, -1
		case '+':
			p.i++
			q.Min, q.Max = 1, -1
		case '?':
			p.i++
			q.Min, q.Max = 0, 1
		case '{':
			end := strings.IndexByte(p.src[p.i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed {")
			}
			body := p.src[p.i+1 : p.i+end]
			p.i += end + 1
			lo, hi, comma := strings.Cut(body, ",")
			atoi := func(s string, dflt int) (int, error) {
				if s = strings.TrimSpace(s); s == "" {
					return dflt, nil
				}
				return strconv.Atoi(s)
			}
			if q.Min, err = atoi(lo, 0); err != nil {
				return nil, err
			}
			if !comma {
				q.Max = q.Min
			} else if q.Max, err = atoi(hi, -1); err != nil {
				return nil, err
			}
		default:
			return n, nil
		}
		if p.i < len(p.src) && p.src[p.i] == '?' {
			p.i++
			q.Greedy = false
		}
		n = q
	}
}

func (p *patParser) primary() (Node, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.i++
		n, err := p.alt()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("expected ) at %d", p.i)
		}
		p.i++
		return n, nil
	case c == '"':
		end := strings.IndexByte(p.src[p.i+1:], '"')
		name := p.src[p.i+1 : p.i+1+end]
		p.i += end + 2
		return p.variable(name), nil
	case c == '_' || unicode.IsLetter(rune(c)):
		j := p.i
		for j < len(p.src) && (p.src[j] == '_' || unicode.IsLetter(rune(p.src[j])) || unicode.IsDigit(rune(p.src[j]))) {
			j++
		}
		name := p.src[p.i:j]
		p.i = j
		if strings.EqualFold(name, "PERMUTE") && p.peek() == '(' {
			p.i++
			var items []Node
			for {
				n, err := p.alt()
				if err != nil {
					return nil, err
				}
				items = append(items, n)
				if p.peek() == ',' {
					p.i++
					continue
				}
				break
			}
			if p.peek() != ')' {
				return nil, fmt.Errorf("expected ) after PERMUTE items")
			}
			p.i++
			return Permute{items}, nil
		}
		return p.variable(strings.ToUpper(name)), nil
	}
	return nil, fmt.Errorf("unexpected %q at %d", c, p.i)
}

func (p *patParser) variable(name string) Node {
	for i, v := range p.vars {
		if v == name {
			return Var{i}
		}
	}
	p.vars = append(p.vars, name)
	return Var{len(p.vars) - 1}
}

func mustCompile(t testing.TB, src string, vars ...string) *Program {
	t.Helper()
	n, names := parsePattern(t, src, vars...)
	p, err := Compile(n, names)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return p
}

func varIndex(t testing.TB, p *Program, name string) int {
	t.Helper()
	for i, n := range p.names {
		if n == name {
			return i
		}
	}
	t.Fatalf("no variable %q in %v", name, p.names)
	return -1
}

// defineFunc is a DEFINE condition of a test: row is the row to label, t the
// thread so far.
type defineFunc func(row int, t Thread) bool

// testEval evaluates DEFINE conditions by variable name; a variable without
// a condition is true, as in SQL. It counts the calls.
type testEval struct {
	names []string
	defs  map[string]defineFunc
	calls int
}

func (e *testEval) Define(v int, row int, t Thread) (bool, error) {
	e.calls++
	if f, ok := e.defs[e.names[v]]; ok {
		return f(row, t), nil
	}
	return true, nil
}

// hfEval is a testEval that declares itself HistoryFree.
type hfEval struct{ *testEval }

func (hfEval) HistoryFree() bool { return true }

// kindsEval is Trino's MatchAssert identity evaluator generalised: row i may
// be labelled with any variable whose name is in kinds[i] (a string of one
// letter names, or a space-separated list).
func kindsDefs(p *Program, kinds []string) map[string]defineFunc {
	defs := map[string]defineFunc{}
	for _, name := range p.names {
		defs[name] = func(row int, _ Thread) bool {
			k := kinds[row]
			if strings.Contains(k, " ") {
				for _, f := range strings.Fields(k) {
					if f == name {
						return true
					}
				}
				return false
			}
			return len(name) == 1 && strings.Contains(k, name)
		}
	}
	return defs
}

// run pushes rows 0..n-1 one at a time, then Finish, and returns everything
// the matcher reported.
func run(p *Program, ev Evaluator, o Options, n int) ([]Match, error) {
	m := NewMatcher(p, ev, o)
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

// format renders matches the way Trino's tests list ALL ROWS PER MATCH
// output, with 1-based row ids: "#1 1:A 2:B", an empty match "#2 3:()", a
// timed-out partial "timeout 4:A".
func format(p *Program, ms []Match) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		var b strings.Builder
		if m.TimedOut {
			b.WriteString("timeout")
		} else {
			fmt.Fprintf(&b, "#%d", m.Number)
		}
		if m.Empty() {
			fmt.Fprintf(&b, " %d:()", m.Start+1)
		}
		for i, l := range m.Labels {
			fmt.Fprintf(&b, " %d:%s", m.Start+i+1, p.varName(l))
		}
		out = append(out, b.String())
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// prev is PREV(value) in a DEFINE: the value of the row before, absent at
// the partition start.
func prev(values []int, row int) (int, bool) {
	if row == 0 {
		return 0, false
	}
	return values[row-1], true
}

// lessThanPrev is `X AS X.value < PREV(X.value)`.
func lessThanPrev(values []int) defineFunc {
	return func(row int, _ Thread) bool {
		p, ok := prev(values, row)
		return ok && values[row] < p
	}
}

func greaterThanPrev(values []int) defineFunc {
	return func(row int, _ Thread) bool {
		p, ok := prev(values, row)
		return ok && values[row] > p
	}
}

func lessOrEqualPrev(values []int) defineFunc {
	return func(row int, _ Thread) bool {
		p, ok := prev(values, row)
		return ok && values[row] <= p
	}
}

func equalPrev(values []int) defineFunc {
	return func(row int, _ Thread) bool {
		p, ok := prev(values, row)
		return ok && values[row] == p
	}
}

func never(int, Thread) bool { return false }

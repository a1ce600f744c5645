package planner

import (
	"fmt"

	"github.com/chatsql/chatsql/planner/expr"
)

// A rule rewrites one logical node; it reports whether it changed anything.
// Rules are small and named, and run in order until none changes the plan
// (STYLE.md: go-mysql-server's analyzer batches).
type rule struct {
	name string
	fn   func(n Logical) (Logical, bool, error)
}

var rules = []rule{
	{"extract_subqueries", extractSubquery},
	{"extract_async_calls", extractAsync},
	{"push_filter_below_project", pushFilterBelowProject},
	{"merge_filters", mergeFilters},
	{"merge_projects", mergeProjects},
	{"remove_identity_project", removeIdentityProject},
}

// Optimize applies the rules bottom-up until the plan stops changing.
func Optimize(n Logical) (Logical, error) {
	for iter := 0; iter < 100; iter++ {
		changed := false
		var err error
		n, err = transformUp(n, func(x Logical) (Logical, error) {
			for _, r := range rules {
				y, ch, err := r.fn(x)
				if err != nil {
					return nil, fmt.Errorf("rule %s: %w", r.name, err)
				}
				if ch {
					changed = true
					x = y
				}
			}
			return x, nil
		})
		if err != nil {
			return nil, err
		}
		if !changed {
			return n, nil
		}
	}
	return nil, fmt.Errorf("planner: rules did not converge")
}

func transformUp(n Logical, f func(Logical) (Logical, error)) (Logical, error) {
	ins := n.Inputs()
	if len(ins) > 0 {
		nin := make([]Logical, len(ins))
		for i, in := range ins {
			t, err := transformUp(in, f)
			if err != nil {
				return nil, err
			}
			nin[i] = t
		}
		n = withInputs(n, nin)
	}
	return f(n)
}

// extractAsync moves the innermost async call of a Project or Filter into
// an AsyncCalc below it; the call becomes a read of the appended column.
func extractAsync(n Logical) (Logical, bool, error) {
	exprs, in, ok := extractTarget(n)
	if !ok {
		return n, false, nil
	}
	call, ok := firstOf(exprs, func(a *expr.AsyncCall) bool {
		for _, arg := range a.Args {
			// an async call or a subquery in an argument goes first
			if expr.IsDeferred(arg) {
				return false
			}
		}
		return true
	})
	if !ok {
		return n, false, nil
	}
	width := len(in.Schema().Columns)
	ac := &AsyncCalc{In: in, Fn: call.Fn, Args: call.Args, T: call.T, Name: fmt.Sprintf("$%s_%d", call.Fn.Name, width)}
	ref := &expr.Column{Index: width, Name: ac.Name, T: call.T}
	return readAppended(n, ac, ref, func(s expr.Expr) bool { return s == call || sameCall(s, call) })
}

// extractTarget returns the expressions of the Project or Filter n and its
// input, the node an extraction rule puts a node appending a column above;
// ok is false for any other node.
func extractTarget(n Logical) (exprs []expr.Expr, in Logical, ok bool) {
	switch x := n.(type) {
	case *Project:
		return x.Exprs, x.In, true
	case *Filter:
		return []expr.Expr{x.Cond}, x.In, true
	}
	return nil, nil, false
}

// firstOf returns the first node of type T in exprs, in expr.Any's order,
// that accept takes.
func firstOf[T expr.Expr](exprs []expr.Expr, accept func(T) bool) (found T, ok bool) {
	for _, e := range exprs {
		if expr.Any(e, func(s expr.Expr) bool {
			t, ok := s.(T)
			if ok && accept(t) {
				found = t
				return true
			}
			return false
		}) {
			return found, true
		}
	}
	return found, false
}

// readAppended rebuilds the Project or Filter n over below, a node that
// appends the column ref to n's input: every expression that is takes
// becomes a read of ref.
func readAppended(n, below Logical, ref *expr.Column, is func(expr.Expr) bool) (Logical, bool, error) {
	replace := func(e expr.Expr) (expr.Expr, error) {
		return expr.Transform(e, func(s expr.Expr) (expr.Expr, error) {
			if is(s) {
				return ref, nil
			}
			return s, nil
		})
	}
	switch x := n.(type) {
	case *Project:
		c := *x
		c.In = below
		c.Exprs = make([]expr.Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			r, err := replace(e)
			if err != nil {
				return nil, false, err
			}
			c.Exprs[i] = r
		}
		return &c, true, nil
	case *Filter:
		cond, err := replace(x.Cond)
		if err != nil {
			return nil, false, err
		}
		// the filter's output must not carry the extra column
		f := &Filter{In: below, Cond: cond}
		return identityProject(f, ref.Index), true, nil
	}
	return n, false, nil
}

// sameCall reports whether s is structurally the call c (Transform copies
// nodes, so pointer identity is lost for calls whose arguments changed).
func sameCall(s expr.Expr, c *expr.AsyncCall) bool {
	a, ok := s.(*expr.AsyncCall)
	return ok && a.Fn == c.Fn && a.String() == c.String()
}

// identityProject keeps the first width columns of n.
func identityProject(n Logical, width int) *Project {
	s := n.Schema()
	p := &Project{In: n, TimeAttr: -1}
	for i := 0; i < width; i++ {
		c := s.Columns[i]
		p.Exprs = append(p.Exprs, &expr.Column{Index: i, Name: c.Name, T: c.Type})
		p.Names = append(p.Names, c.Name)
	}
	if s.TimeAttr < width {
		p.TimeAttr = s.TimeAttr
	}
	return p
}

// hasAsync reports whether e holds an async call or a subquery, which
// read the row of the node they are in and so must not move.
func hasAsync(e expr.Expr) bool { return expr.IsDeferred(e) }

// pushFilterBelowProject turns Filter(Project(x)) into Project(Filter(x)),
// so that one Calc operator filters and then projects.
func pushFilterBelowProject(n Logical) (Logical, bool, error) {
	f, ok := n.(*Filter)
	if !ok || hasAsync(f.Cond) {
		return n, false, nil
	}
	p, ok := f.In.(*Project)
	if !ok {
		return n, false, nil
	}
	for _, e := range p.Exprs {
		if hasAsync(e) {
			return n, false, nil
		}
	}
	cond, err := expr.Substitute(f.Cond, p.Exprs)
	if err != nil {
		return nil, false, err
	}
	c := *p
	c.In = &Filter{In: p.In, Cond: cond}
	return &c, true, nil
}

// mergeProjects composes Project(Project(x)) into one Project.
func mergeProjects(n Logical) (Logical, bool, error) {
	outer, ok := n.(*Project)
	if !ok {
		return n, false, nil
	}
	inner, ok := outer.In.(*Project)
	if !ok {
		return n, false, nil
	}
	for _, e := range append(append([]expr.Expr{}, outer.Exprs...), inner.Exprs...) {
		if hasAsync(e) {
			return n, false, nil
		}
	}
	m := &Project{In: inner.In, Names: outer.Names, TimeAttr: -1}
	base := inner.In.Schema()
	for i, e := range outer.Exprs {
		s, err := expr.Substitute(e, inner.Exprs)
		if err != nil {
			return nil, false, err
		}
		if c, ok := s.(*expr.Column); ok && c.Index == base.TimeAttr && m.TimeAttr < 0 && i == outer.TimeAttr {
			m.TimeAttr = i
		}
		m.Exprs = append(m.Exprs, s)
	}
	return m, true, nil
}

// removeIdentityProject drops a Project that passes its input through
// unchanged, names included.
func removeIdentityProject(n Logical) (Logical, bool, error) {
	p, ok := n.(*Project)
	if !ok {
		return n, false, nil
	}
	s := p.In.Schema()
	if len(p.Exprs) != len(s.Columns) || p.TimeAttr != s.TimeAttr {
		return n, false, nil
	}
	for i, e := range p.Exprs {
		c, ok := e.(*expr.Column)
		if !ok || c.Index != i || p.Names[i] != s.Columns[i].Name {
			return n, false, nil
		}
	}
	return p.In, true, nil
}

// mergeFilters turns Filter(Filter(x)) into one Filter with AND.
func mergeFilters(n Logical) (Logical, bool, error) {
	outer, ok := n.(*Filter)
	if !ok {
		return n, false, nil
	}
	inner, ok := outer.In.(*Filter)
	if !ok || hasAsync(outer.Cond) || hasAsync(inner.Cond) {
		return n, false, nil
	}
	return &Filter{In: inner.In, Cond: &expr.Logic{Op: "AND", L: inner.Cond, R: outer.Cond}}, true, nil
}

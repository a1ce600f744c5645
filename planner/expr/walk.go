package expr

// Children returns an expression's direct sub-expressions.
func Children(e Expr) []Expr {
	switch n := e.(type) {
	case *Call:
		return n.Args
	case *AsyncCall:
		return n.Args
	case *Compare:
		return []Expr{n.L, n.R}
	case *Arith:
		return []Expr{n.L, n.R}
	case *Logic:
		return []Expr{n.L, n.R}
	case *Neg:
		return []Expr{n.E}
	case *Not:
		return []Expr{n.E}
	case *IsNull:
		return []Expr{n.E}
	case *IsTruth:
		return []Expr{n.E}
	case *Cast:
		return []Expr{n.E}
	case *In:
		return append([]Expr{n.E}, n.List...)
	case *Between:
		return []Expr{n.E, n.Lo, n.Hi}
	case *Like:
		return []Expr{n.E, n.Pattern}
	case *Regexp:
		return []Expr{n.E, n.Pattern}
	case *Case:
		var out []Expr
		if n.Operand != nil {
			out = append(out, n.Operand)
		}
		for i := range n.Whens {
			out = append(out, n.Whens[i], n.Thens[i])
		}
		if n.Else != nil {
			out = append(out, n.Else)
		}
		return out
	}
	return nil
}

// Transform rebuilds e bottom-up: children first, then f on the node with
// its new children. f returns the node unchanged when it has nothing to do.
func Transform(e Expr, f func(Expr) (Expr, error)) (Expr, error) {
	kids := Children(e)
	if len(kids) > 0 {
		nk := make([]Expr, len(kids))
		for i, k := range kids {
			t, err := Transform(k, f)
			if err != nil {
				return nil, err
			}
			nk[i] = t
		}
		e = withChildren(e, nk)
	}
	return f(e)
}

// Any reports whether pred holds for e or any sub-expression.
func Any(e Expr, pred func(Expr) bool) bool {
	if pred(e) {
		return true
	}
	for _, k := range Children(e) {
		if Any(k, pred) {
			return true
		}
	}
	return false
}

func withChildren(e Expr, k []Expr) Expr {
	switch n := e.(type) {
	case *Call:
		c := *n
		c.Args = k
		return &c
	case *AsyncCall:
		c := *n
		c.Args = k
		return &c
	case *Compare:
		c := *n
		c.L, c.R = k[0], k[1]
		return &c
	case *Arith:
		c := *n
		c.L, c.R = k[0], k[1]
		return &c
	case *Logic:
		c := *n
		c.L, c.R = k[0], k[1]
		return &c
	case *Neg:
		return &Neg{E: k[0]}
	case *Not:
		return &Not{E: k[0]}
	case *IsNull:
		c := *n
		c.E = k[0]
		return &c
	case *IsTruth:
		c := *n
		c.E = k[0]
		return &c
	case *Cast:
		c := *n
		c.E = k[0]
		return &c
	case *In:
		c := *n
		c.E, c.List = k[0], k[1:]
		return &c
	case *Between:
		c := *n
		c.E, c.Lo, c.Hi = k[0], k[1], k[2]
		return &c
	case *Like:
		c := *n
		c.E, c.Pattern = k[0], k[1]
		return &c
	case *Regexp:
		c := *n
		c.E, c.Pattern = k[0], k[1]
		return &c
	case *Case:
		c := *n
		i := 0
		if c.Operand != nil {
			c.Operand = k[0]
			i = 1
		}
		c.Whens = make([]Expr, len(n.Whens))
		c.Thens = make([]Expr, len(n.Thens))
		for j := range n.Whens {
			c.Whens[j], c.Thens[j] = k[i], k[i+1]
			i += 2
		}
		if c.Else != nil {
			c.Else = k[i]
		}
		return &c
	}
	return e
}

// Substitute replaces every Column reference by the expression at its index
// in inputs: it composes an expression over a projection with the
// projection's expressions.
func Substitute(e Expr, inputs []Expr) (Expr, error) {
	return Transform(e, func(x Expr) (Expr, error) {
		if c, ok := x.(*Column); ok && c.Index < len(inputs) {
			return inputs[c.Index], nil
		}
		return x, nil
	})
}

// IsConstant reports whether e reads no column and calls nothing volatile
// or asynchronous, so that it can be folded at plan time.
func IsConstant(e Expr) bool {
	return !Any(e, func(x Expr) bool {
		switch n := x.(type) {
		case *Column, *AsyncCall, *Subquery:
			return true
		case *Call:
			return n.Fn.Volatile
		}
		return false
	})
}

// IsDeferred reports whether e holds an async call or a subquery: parts
// that the planner turns into operators of their own before the rest is
// compiled, and that rules must not move across nodes.
func IsDeferred(e Expr) bool {
	return Any(e, func(x Expr) bool {
		switch x.(type) {
		case *AsyncCall, *Subquery:
			return true
		}
		return false
	})
}

package planner

import (
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// Logical is a node of the logical plan: relational, typed, not yet split
// into operators.
type Logical interface {
	Schema() types.Schema
	Inputs() []Logical
	String() string // one line, for debugging and tests
}

// Scan reads a source or table.
type Scan struct {
	Rel   *Relation
	Alias string
}

func (s *Scan) Schema() types.Schema { return s.Rel.Schema() }
func (s *Scan) Inputs() []Logical    { return nil }
func (s *Scan) String() string       { return "Scan(" + s.Rel.Name + ")" }

// Filter keeps rows whose condition is true.
type Filter struct {
	In   Logical
	Cond expr.Expr
}

func (f *Filter) Schema() types.Schema { return f.In.Schema() }
func (f *Filter) Inputs() []Logical    { return []Logical{f.In} }
func (f *Filter) String() string       { return "Filter(" + f.Cond.String() + ")" }

// Project computes named expressions.
type Project struct {
	In       Logical
	Exprs    []expr.Expr
	Names    []string
	TimeAttr int // index of a passed-through time attribute, -1 if none
}

func (p *Project) Schema() types.Schema {
	s := types.Schema{TimeAttr: p.TimeAttr}
	for i, e := range p.Exprs {
		s.Columns = append(s.Columns, types.Column{Name: p.Names[i], Type: e.Type()})
	}
	return s
}
func (p *Project) Inputs() []Logical { return []Logical{p.In} }
func (p *Project) String() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = e.String() + " AS " + p.Names[i]
	}
	return "Project(" + strings.Join(parts, ", ") + ")"
}

// AsyncCalc appends the result of an async function call as a new last
// column.
type AsyncCalc struct {
	In   Logical
	Fn   *udf.Async
	Args []expr.Expr
	T    types.Type
	Name string // name of the appended column
}

func (a *AsyncCalc) Schema() types.Schema {
	s := a.In.Schema()
	cols := append(append([]types.Column(nil), s.Columns...), types.Column{Name: a.Name, Type: a.T})
	return types.Schema{Columns: cols, TimeAttr: s.TimeAttr}
}
func (a *AsyncCalc) Inputs() []Logical { return []Logical{a.In} }
func (a *AsyncCalc) String() string {
	parts := make([]string, len(a.Args))
	for i, e := range a.Args {
		parts[i] = e.String()
	}
	return fmt.Sprintf("AsyncCalc(%s(%s) AS %s)", a.Fn.Name, strings.Join(parts, ", "), a.Name)
}

// Limit stops after N rows (streaming SELECT in the REPL).
type Limit struct {
	In Logical
	N  int
}

func (l *Limit) Schema() types.Schema { return l.In.Schema() }
func (l *Limit) Inputs() []Logical    { return []Logical{l.In} }
func (l *Limit) String() string       { return fmt.Sprintf("Limit(%d)", l.N) }

// withInputs returns a copy of n with new inputs.
func withInputs(n Logical, in []Logical) Logical {
	switch x := n.(type) {
	case *Filter:
		c := *x
		c.In = in[0]
		return &c
	case *Project:
		c := *x
		c.In = in[0]
		return &c
	case *AsyncCalc:
		c := *x
		c.In = in[0]
		return &c
	case *Limit:
		c := *x
		c.In = in[0]
		return &c
	case *MatchRecognize:
		c := *x
		c.In = in[0]
		return &c
	case *Lookup:
		c := *x
		c.In = in[0]
		return &c
	}
	return n
}

// FormatLogical renders a logical tree, one node per line.
func FormatLogical(n Logical) string {
	var b strings.Builder
	var walk func(Logical, int)
	walk = func(n Logical, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + n.String() + "\n")
		for _, in := range n.Inputs() {
			walk(in, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

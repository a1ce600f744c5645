package cep

// Node is a row pattern: a tree of Var, Concat, Alt, Permute, Quant and Empty.
type Node interface{ isNode() }

// Var is a pattern variable: it matches one row for which the variable's
// DEFINE condition holds. Index is its position in the variable list given to
// Compile.
type Var struct{ Index int }

// Concat matches its items one after the other.
type Concat struct{ Items []Node }

// Alt matches one of its items, preferring the leftmost that leads to a match.
type Alt struct{ Items []Node }

// Permute matches its items in any order: it is the alternation of all their
// permutations, in lexicographic order of the item positions, so PERMUTE(A, B,
// C) prefers A B C, then A C B, B A C, B C A, C A B, C B A.
type Permute struct{ Items []Node }

// Quant repeats Item between Min and Max times (Max -1: unbounded). A greedy
// quantifier prefers more iterations, a reluctant one fewer.
type Quant struct {
	Item     Node
	Min, Max int
	Greedy   bool
}

// Empty matches no row: the pattern ().
type Empty struct{}

func (Var) isNode()     {}
func (Concat) isNode()  {}
func (Alt) isNode()     {}
func (Permute) isNode() {}
func (Quant) isNode()   {}
func (Empty) isNode()   {}

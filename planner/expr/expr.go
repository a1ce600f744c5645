// Package expr holds bound, typed scalar expressions. The planner builds
// them from TiDB's AST; operators compile them once into Go closures
// (Compile) and never walk the tree per row.
package expr

import "github.com/chatsql/chatsql/runtime/types"

// Evaluator computes an expression over a row. An Evaluator may keep scratch
// buffers, so each operator instance compiles its own and calls it from one
// goroutine only.
type Evaluator func(row types.Row) (types.Value, error)

// Expr is a bound expression.
type Expr interface {
	Type() types.Type
	// String renders the expression for EXPLAIN, with column references as
	// $index:name.
	String() string
	// Compile returns a fresh evaluator.
	Compile() Evaluator
}

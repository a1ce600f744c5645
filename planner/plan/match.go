package plan

import (
	"time"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/runtime/cep"
	"github.com/chatsql/chatsql/runtime/types"
)

// MatchConfig is MATCH_RECOGNIZE: rows are partitioned, put in event-time
// order by the watermark, and matched against the pattern per partition.
//
// DEFINE conditions and MEASURES are expressions over an extended row: the
// input row's columns followed by one column per MatchSlot of the
// expression, which the operator fills from the match (navigation,
// aggregates, CLASSIFIER, ...) before evaluating it.
type MatchConfig struct {
	InputWidth int   // columns of the input row; slots follow them
	Partition  []int // input columns of PARTITION BY
	TimeCol    int   // input column of ORDER BY (the time attribute)
	// OrderKeys are the further ORDER BY keys: they order rows with equal
	// event times (otherwise arrival order is kept).
	OrderKeys []OrderKey
	Vars      []string
	Pattern   cep.Node
	Program   *cep.Program
	Define    []*MatchExpr // per variable; nil: always true
	Measures  []MatchMeasure
	Rows      RowsPerMatch
	Skip      cep.SkipMode
	SkipVars  []int         // TO FIRST/LAST: the variable (or a subset's variables)
	Within    time.Duration // 0: none
	// MaxThreads caps the partial matches per partition (setting
	// 'cep.max-partial-matches'); 0: the operator's default.
	MaxThreads int
	// HistoryFree: no DEFINE depends on the labels of earlier rows, so
	// partial matches at the same pattern state are interchangeable.
	HistoryFree bool
}

// OrderKey is an ORDER BY column after the time attribute.
type OrderKey struct {
	Col  int
	Desc bool
}

// RowsPerMatch is ONE ROW or ALL ROWS PER MATCH and their options.
type RowsPerMatch int

const (
	RowsOneRow RowsPerMatch = iota
	RowsOneRowShowTimeout
	RowsAllShowEmpty
	RowsAllOmitEmpty
	RowsAllWithUnmatched
)

// AllRows reports whether every row of a match is output.
func (r RowsPerMatch) AllRows() bool { return r >= RowsAllShowEmpty }

// MatchMeasure is one MEASURES item.
type MatchMeasure struct {
	Name string
	E    *MatchExpr
}

// MatchExpr is an expression of DEFINE or MEASURES: E reads the input
// columns 0..n-1 and the slots at n, n+1, ...
type MatchExpr struct {
	E     expr.Expr
	Slots []MatchSlot
}

// SlotKind says what a slot holds.
type SlotKind int

const (
	// SlotNav: Arg evaluated on the row found by logical navigation
	// (FIRST/LAST over the rows of Vars, Offset rows from the first or the
	// last) and then physical navigation (PREV/NEXT by Phys rows). A plain
	// A.price is LAST(A.price, 0); an unqualified price is LAST over the
	// universal variable, which in DEFINE is the current row.
	SlotNav SlotKind = iota
	// SlotAgg: Agg over Arg evaluated on every row of Vars (COUNT(A.*)
	// has a nil Arg: the number of rows).
	SlotAgg
	SlotClassifier  // the variable of the current row (of the last row in ONE ROW PER MATCH)
	SlotMatchNumber // MATCH_NUMBER()
	SlotTimedOut    // MATCH_TIMED_OUT()
)

// MatchSlot is one value computed from the match for an expression.
type MatchSlot struct {
	Kind  SlotKind
	Vars  []int     // variables the navigation or aggregate ranges over; nil: all rows (universal)
	Arg   expr.Expr // over the input row; nil for COUNT(*) / COUNT(A.*)
	First bool      // logical navigation from the first row (FIRST) instead of the last (LAST)
	Off   int       // logical offset (FIRST(x, n) / LAST(x, n))
	Phys  int       // physical offset: -n for PREV(..., n), +n for NEXT(..., n)
	Agg   string    // "count", "sum", "avg", "min", "max"
	Final bool      // FINAL semantics (MEASURES only): over the whole match
	// ArgMatchNumber: Arg reads MATCH_NUMBER() as one more column after the
	// input row's (SUM(MATCH_NUMBER() * 100)).
	ArgMatchNumber bool
	T              types.Type
}

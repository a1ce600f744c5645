package plan

import (
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/runtime/types"
)

// KindLookup is a node that reads a live reference table: an event-time or
// processing-time temporal join, or a subquery (EXISTS, scalar, aggregate)
// evaluated for every row against the table's current contents.
//
// It has two inputs: input 0 is the stream (the "left" rows), input 1 is a
// Source node reading the table as a changelog (SourceConfig.Changelog).
const KindLookup = "Lookup"

// Changelog rows: a changelog source's rows are the table's declared
// columns followed by two more:
//
//	[n]   INT           ChangeUpsert or ChangeDelete
//	[n+1] TIMESTAMP_LTZ the record's own time (Kafka record timestamp), NULL if unknown
//
// A delete row carries the primary-key columns; the others are NULL.
const (
	ChangeUpsert = 0
	ChangeDelete = 1
)

// ChangelogExtra is how many columns a changelog row has beyond the table's
// declared ones.
const ChangelogExtra = 2

// DefaultReferenceWarnRows is the default size guard of a reference table
// (setting SettingReferenceWarnRows): past it, the operator logs a warning
// (once per doubling) and the gauge shows the size.
const DefaultReferenceWarnRows = 100_000

// SettingReferenceWarnRows is the session setting for the size guard.
const SettingReferenceWarnRows = "reference-table.warn-rows"

// TableSpec describes a reference table as the Lookup operator keeps it.
type TableSpec struct {
	Name   string
	Schema types.Schema // the declared columns (without the changelog columns)
	Key    []int        // primary-key column indexes in Schema
	// TimeCol is the table's time attribute: a version is valid from the
	// value of this column. -1: from the record's own time (changelog
	// column n+1); when that is NULL too, valid since ever.
	TimeCol int
	// VersionCol ('version.column'): an update whose version is lower than
	// the stored one for its key is ignored and counted. -1: none.
	VersionCol int
	// WarnRows is the size guard: a warning past this many keys.
	WarnRows int
}

// LookupMode says what a Lookup node computes per left row.
type LookupMode int

const (
	// LookupJoin is a temporal join: output = left columns ++ table
	// columns, one row per matching table row (inner), or the left row with
	// NULLs when nothing matches and Outer is set.
	LookupJoin LookupMode = iota
	// LookupExists appends a BOOLEAN column: whether some table row
	// satisfies the condition (never NULL).
	LookupExists
	// LookupScalar appends Value of the one table row that satisfies the
	// condition: NULL when none does; more than one is an error for that
	// left row (dead-lettered, as SQL's "more than one row" error).
	LookupScalar
	// LookupAggregate appends Agg(Value) over the table rows that satisfy
	// the condition.
	LookupAggregate
)

func (m LookupMode) String() string {
	return [...]string{"join", "exists", "scalar", "aggregate"}[m]
}

// ContainsPred is a condition "string Outer contains string Inner"
// (INSTR(outer, inner) > 0, LOCATE(inner, outer) > 0,
// POSITION(inner IN outer) > 0, outer LIKE CONCAT('%', inner, '%')),
// which the operator answers with one Aho–Corasick pass over Outer per
// left row instead of testing every table row. A NULL on either side is
// not a match; an empty Inner matches every non-NULL Outer.
type ContainsPred struct {
	Outer expr.Expr // over the left row
	Inner expr.Expr // over the table row
}

// LookupConfig configures a KindLookup node.
//
// The *combined row* that Cond and Value read is the left row's columns
// followed by the table row's declared columns.
type LookupConfig struct {
	Table TableSpec
	Mode  LookupMode
	// EventTime, over the left row, is the time the table is read as of
	// (FOR SYSTEM_TIME AS OF <left time attribute>): left rows are held
	// until the watermark passes them and see the version valid then. nil:
	// the latest version when the row is processed (FOR SYSTEM_TIME AS OF
	// PROCTIME(), and subqueries).
	EventTime expr.Expr
	// Outer: LEFT JOIN (LookupJoin only).
	Outer bool
	// Equality conjuncts: LeftKeys[i] (over the left row) = table column
	// TableKeys[i]. Served from a hash index (the primary key's own map
	// when TableKeys is the primary key).
	LeftKeys  []expr.Expr
	TableKeys []int
	// Contains conjuncts (see ContainsPred).
	Contains []ContainsPred
	// Cond is the rest of the condition over the combined row; nil: true.
	Cond expr.Expr
	// Value: LookupScalar: the selected expression over the combined row;
	// LookupAggregate: the aggregate's argument (nil for COUNT(*)).
	Value expr.Expr
	// Agg is COUNT, SUM, MIN, MAX or GROUP_CONCAT (LookupAggregate).
	Agg       string
	Separator string // GROUP_CONCAT's separator (default ",")
	// Correlated is false when nothing of the condition or value reads the
	// left row: the result is computed once per table version.
	Correlated bool
}

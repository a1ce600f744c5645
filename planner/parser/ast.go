// Package parser is chatsql's SQL front end: a recursive-descent parser for
// chatsql's statements (CREATE SOURCE/TABLE/SINK/VIEW, SET, SHOW, ...) that
// hands every embedded expression and query to the TiDB parser, after a
// token-level pass has lifted out the clauses TiDB does not know
// (2-argument TRANSLATE, CAST to Flink types, INTERVAL arguments,
// MATCH_RECOGNIZE, FOR SYSTEM_TIME AS OF, three-part table names).
//
// Positions are byte offsets into the original diag.Source; errors are
// *diag.Error values with line:column, the line and a caret.
package parser

import (
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Names of the functions the lifting pass rewrites our extensions into; the
// binder recognises them in TiDB's AST.
const (
	// TRANSLATE(text, lang [, model]) becomes CHATSQL_TRANSLATE(text, lang [, model]).
	FuncTranslate = "chatsql_translate"
	// CAST(x AS <type>) / TRY_CAST(...) become CHATSQL_CAST(x, '<type text>') /
	// CHATSQL_TRY_CAST(x, '<type text>'); the type text is parsed with
	// types.ParseType by the binder.
	FuncCast    = "chatsql_cast"
	FuncTryCast = "chatsql_try_cast"
	// INTERVAL '<n>' <UNIT> where TiDB does not take it (as a function
	// argument) becomes CHATSQL_INTERVAL('<n>', '<UNIT>').
	FuncInterval = "chatsql_interval"
)

// Names of the MATCH_RECOGNIZE functions, lifted only inside MEASURES and
// DEFINE (see match_recognize.go): PREV(x, n) becomes CHATSQL_PREV(x, n)
// and so on; RUNNING f(...) and FINAL f(...) wrap the call,
// CHATSQL_RUNNING(f(...)); v.* as an argument, as in COUNT(A.*), becomes
// CHATSQL_VAR_STAR('A').
const (
	FuncPrev          = "chatsql_prev"
	FuncNext          = "chatsql_next"
	FuncFirst         = "chatsql_first"
	FuncLast          = "chatsql_last"
	FuncClassifier    = "chatsql_classifier"
	FuncMatchNumber   = "chatsql_match_number"
	FuncMatchTimedOut = "chatsql_match_timed_out"
	FuncRunning       = "chatsql_running"
	FuncFinal         = "chatsql_final"
	FuncVarStar       = "chatsql_var_star"
)

// Statement is any parsed statement.
type Statement interface {
	// Span is the statement's byte range in the source, without the ';'.
	Span() (start, end int)
}

// Node holds a statement's span.
type Node struct{ Start, End int }

// Span implements Statement.
func (n Node) Span() (int, int) { return n.Start, n.End }

// Ident is a possibly qualified name (catalog.db.name) with its position.
type Ident struct {
	Parts []string // unquoted, case preserved
	Pos   int      // byte offset of the first part
}

// String joins the parts with dots.
func (i Ident) String() string {
	s := ""
	for k, p := range i.Parts {
		if k > 0 {
			s += "."
		}
		s += p
	}
	return s
}

// Query is a SELECT (or UNION ...) parsed by TiDB from rewritten text.
type Query struct {
	Src   *diag.Source
	Start int // byte range of the query in Src
	End   int
	// Stmt is TiDB's AST of Rewritten: *ast.SelectStmt or *ast.SetOprStmt.
	Stmt      ast.StmtNode
	Rewritten string
	posMap    posMap
	// MatchRecognize holds the query's MATCH_RECOGNIZE clauses by the
	// placeholder table name (chatsql_mr_1, ...) that stands for each one,
	// with its alias, in Stmt. Clauses inside a MATCH_RECOGNIZE's input
	// subquery belong to that subquery's Query. Nil when there is none.
	MatchRecognize map[string]*MatchRecognize
	// Temporal holds the query's `t FOR SYSTEM_TIME AS OF <expr>` tables
	// by the placeholder table name (chatsql_tt_1, ...) that stands for
	// each one, with its alias, in Stmt (including subqueries in FROM).
	// Nil when there is none.
	Temporal map[string]*TemporalTable
	// Tables holds the query's table names of three or more parts
	// (catalog.namespace.table) in FROM and JOIN by the placeholder schema
	// (chatsql_tn_1, ...) that stands for their leading parts in Stmt; see
	// TableName. Nil when there is none.
	Tables map[string]Ident
}

// Offset maps a byte offset in Rewritten (as TiDB reports it, e.g. from
// OriginTextPosition) to a byte offset in Src.
func (q *Query) Offset(rewritten int) int { return q.Start + q.posMap.original(rewritten) }

// Expr is a scalar expression parsed by TiDB from rewritten text.
type Expr struct {
	Src       *diag.Source
	Start     int // byte range in Src
	End       int
	Node      ast.ExprNode
	Rewritten string
	posMap    posMap
}

// Offset maps an offset in Rewritten to an offset in Src.
func (e *Expr) Offset(rewritten int) int { return e.Start + e.posMap.original(rewritten) }

// Text is the expression as the user wrote it.
func (e *Expr) Text() string { return e.Src.Text[e.Start:e.End] }

// posMap maps offsets of a rewritten text back to the original text: each
// edit replaced original[OrigStart:OrigEnd] by text that occupies
// rewritten[NewStart:NewEnd]. Offsets inside an edit map to its start.
type posMap []edit

type edit struct{ OrigStart, OrigEnd, NewStart, NewEnd int }

func (m posMap) original(off int) int {
	delta := 0
	for _, e := range m {
		if off < e.NewStart {
			break
		}
		if off < e.NewEnd {
			return e.OrigStart + min(off-e.NewStart, e.OrigEnd-e.OrigStart)
		}
		delta = e.OrigEnd - e.NewEnd
	}
	return off + delta
}

// Option is one WITH ('key' = 'value') entry.
type Option struct {
	Key, Value     string
	KeyPos, ValPos int
}

// SetStmt is SET 'key' = 'value' (quotes optional); SET alone lists settings.
type SetStmt struct {
	Node
	Key, Value string // Key "" means list all
	KeyPos     int
}

// ResetStmt is RESET 'key', or RESET alone for all.
type ResetStmt struct {
	Node
	Key    string
	KeyPos int
}

// ShowStmt is SHOW SOURCES|TABLES|SINKS|VIEWS|FUNCTIONS|JOBS|CATALOGS [FROM x].
type ShowStmt struct {
	Node
	What string // upper case: SOURCES, TABLES, ...
	From *Ident
}

// DescribeStmt is DESCRIBE name (or DESC name, DESCRIBE JOB id).
type DescribeStmt struct {
	Node
	Name Ident
	Job  bool // DESCRIBE JOB <id>
}

// ExplainStmt is EXPLAIN <query | CREATE SINK | INSERT INTO>.
type ExplainStmt struct {
	Node
	Stmt Statement
}

// ColumnDef is one column of CREATE SOURCE / CREATE TABLE.
type ColumnDef struct {
	Name    Ident
	Type    types.Type // zero for computed columns
	TypePos int
	// Computed is set for "name AS expr".
	Computed *Expr
	// Metadata is set for "name TYPE METADATA [FROM 'key'] [VIRTUAL]".
	Metadata *MetadataDef
	Comment  string
}

// MetadataDef is a METADATA column's key.
type MetadataDef struct {
	Key     string // "" means the column name
	KeyPos  int
	Virtual bool
}

// WatermarkDef is WATERMARK FOR col AS expr.
type WatermarkDef struct {
	Column Ident
	Expr   *Expr
	Pos    int
}

// CreateRelationStmt is CREATE SOURCE or CREATE TABLE.
type CreateRelationStmt struct {
	Node
	Table       bool // CREATE TABLE (else CREATE SOURCE)
	Name        Ident
	IfNotExists bool
	OrReplace   bool
	Columns     []ColumnDef
	Watermark   *WatermarkDef
	PrimaryKey  []Ident
	PKPos       int
	// PartitionedBy holds partition expressions (Iceberg transforms such as
	// days(event_time)), parsed by TiDB.
	PartitionedBy []*Expr
	Options       []Option
	WithPos       int
	Comment       string
}

// CreateSinkStmt is CREATE SINK name [WITH (...)] AS query.
type CreateSinkStmt struct {
	Node
	Name        Ident
	IfNotExists bool
	Options     []Option
	WithPos     int
	Query       *Query
}

// CreateViewStmt is CREATE [OR REPLACE] VIEW name [(cols)] AS query.
type CreateViewStmt struct {
	Node
	Name        Ident
	IfNotExists bool
	OrReplace   bool
	Columns     []Ident
	Query       *Query
}

// InsertStmt is INSERT INTO table [(cols)] query.
type InsertStmt struct {
	Node
	Table   Ident
	Columns []Ident
	Query   *Query
}

// DropStmt is DROP SOURCE|TABLE|SINK|VIEW|CATALOG [IF EXISTS] name.
type DropStmt struct {
	Node
	What     string // upper case
	Name     Ident
	IfExists bool
}

// StopJobStmt is STOP JOB 'id' (also accepted: STOP JOB id).
type StopJobStmt struct {
	Node
	JobID string
	Pos   int
}

// QueryStmt is a bare SELECT.
type QueryStmt struct {
	Node
	Query *Query
}

// Script is the result of parsing a whole file.
type Script struct {
	Src        *diag.Source
	Statements []Statement
}

// CreateCatalogStmt is CREATE CATALOG name WITH ('type' = 'iceberg', ...).
type CreateCatalogStmt struct {
	Node
	Name        Ident
	IfNotExists bool
	Options     []Option
	WithPos     int
}

// AlterTableStmt is ALTER TABLE name ADD [COLUMN] col TYPE [NOT NULL]
// [COMMENT '...'], or ADD (col TYPE, ...): schema evolution of Iceberg
// tables; or SET ('key' = 'value', ...) / RESET ('key', ...): its table
// properties (Flink's statements). One of the three is set.
type AlterTableStmt struct {
	Node
	Table           Ident
	AddColumns      []ColumnDef
	SetProperties   []Option
	ResetProperties []Option // Key and KeyPos only
}

// Package session executes SQL statements: it owns a catalog (sources,
// tables, sinks, views), the settings in force, and the jobs that CREATE
// SINK / INSERT INTO / SELECT start. The CLI (run, REPL, playground) is a
// thin shell over it.
package session

import (
	"github.com/chatsql/chatsql/runtime/types"
)

// ResultKind says what a statement produced.
type ResultKind int

const (
	ResultMessage ResultKind = iota // a one-line message ("Source 'x' created.")
	ResultTable                     // rows to print as a table (SHOW, DESCRIBE)
	ResultText                      // preformatted text (EXPLAIN)
	ResultStream                    // a streaming SELECT: rows arrive on Stream
	ResultJob                       // a job was started (CREATE SINK, INSERT INTO)
)

// Result is the outcome of one statement.
type Result struct {
	Kind    ResultKind
	Message string     // ResultMessage, ResultJob: human-readable line
	Columns []string   // ResultTable, ResultStream: column names
	Rows    [][]string // ResultTable: cells already rendered
	Text    string     // ResultText
	Stream  *Stream    // ResultStream
	JobID   string     // ResultJob, ResultStream
}

// Stream delivers the rows of a streaming SELECT as they are produced.
type Stream struct {
	Columns []string
	Types   []types.Type
	// Rows yields batches of rows; it is closed when the query ends
	// (bounded input exhausted, LIMIT reached, Cancel, or failure).
	Rows <-chan []types.Row
	// Cancel stops the query (and only it).
	Cancel func()
	// Err returns the query's error after Rows is closed (nil when it ended
	// normally or was cancelled).
	Err func() error
}

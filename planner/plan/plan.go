// Package plan holds physical plans: a graph of nodes that are plain data.
// The runtime turns each node into an operator through a registry keyed by
// the node's kind; the planner never imports operator or connector code.
package plan

import (
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/runtime/types"
)

// Kinds of physical nodes.
const (
	KindSource  = "Source"
	KindCalc    = "Calc"
	KindAsync   = "AsyncCalc"
	KindSink    = "Sink"
	KindCollect = "Collect"
	KindMatch   = "MatchRecognize"
)

// Graph is a job's physical plan. Nodes are in topological order: a node's
// inputs come before it.
type Graph struct {
	Nodes []*Node
}

// Node is one operator of the graph.
type Node struct {
	ID     int
	Kind   string
	Inputs []int        // ids of input nodes, in input order
	Schema types.Schema // output schema
	// Config is kind-specific: *SourceConfig, *CalcConfig, *AsyncConfig,
	// *SinkConfig, *CollectConfig.
	Config any
	// Name is a short label for EXPLAIN and metrics ("chat_messages").
	Name string
}

// SourceConfig configures a source node. The connector produces raw rows
// (physical columns, then metadata columns, as in Connector.Schema and
// Connector.Metadata); Project maps a raw row to the declared row (computed
// columns included); Watermark, when set, is evaluated over the declared
// row.
type SourceConfig struct {
	Connector string
	Conn      connectors.Config
	// Project builds the output row from the raw row. nil means identity.
	Project []expr.Expr
	// TimeAttr is the index of the event-time column in the output row, -1 if none.
	TimeAttr int
	// Watermark computes a row's watermark candidate (micros); nil: no watermarks.
	Watermark expr.Expr
	// IdleTimeout excludes partitions that sent nothing for this long from
	// the watermark minimum (0: default).
	IdleTimeout time.Duration
	// Changelog: the node reads a reference table for a Lookup node. Its
	// output rows are the declared columns followed by the two changelog
	// columns (see ChangeUpsert); Project produces all of them. The driver
	// emits no event-time watermarks for it, only MaxWatermark once the
	// table is loaded (the connector's CaughtUp, or the end of a bounded
	// input); a projection error on a delete row gives NULL, not a dead
	// letter.
	Changelog bool
}

// CalcConfig is a filter followed by a projection.
type CalcConfig struct {
	Filter  expr.Expr // nil: keep all rows
	Project []expr.Expr
}

// AsyncConfig calls an async function for each row and appends its result
// as a new last column (the input columns pass through unchanged).
type AsyncConfig struct {
	Function string      // the udf.Async name, e.g. "TRANSLATE"
	Args     []expr.Expr // evaluated over the input row
	Capacity int         // maximum calls in flight
	Timeout  time.Duration
	Ordered  bool // emit in input order (else as completed)
	Settings map[string]string
}

// SinkConfig writes rows to a connector. The input schema is the sink's
// schema.
type SinkConfig struct {
	Connector string
	Conn      connectors.Config
}

// CollectConfig hands rows to the caller (the REPL's streaming SELECT).
type CollectConfig struct {
	// Limit stops the job after this many rows (0: no limit).
	Limit int
}

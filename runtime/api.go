// Package runtime executes physical plans: operators connected by bounded
// channels that carry batches of rows, watermarks and checkpoint barriers in
// band; a checkpoint coordinator; restart from the latest checkpoint.
//
// This file holds the contracts that connectors, functions and operators
// implement. Extra abilities are small interfaces found by type assertion.
package runtime

import (
	"context"
	"errors"
	"math"

	"github.com/chatsql/chatsql/runtime/types"
)

// Batch is the unit that flows between operators.
type Batch struct {
	Rows []types.Row
	// Partition identifies the source partition the rows came from (Kafka
	// partition, file index, ...). Sources set it so that watermarks can be
	// tracked per partition; operators downstream ignore it.
	Partition int32
}

// Watermark values: event time in microseconds since the epoch.
const (
	MinWatermark int64 = math.MinInt64
	// MaxWatermark is the watermark of an exhausted bounded input: every
	// pending window, match and timeout fires.
	MaxWatermark int64 = math.MaxInt64
)

// Emitter sends a batch downstream. It blocks while the downstream channel is
// full (backpressure) and fails only when the job is cancelled.
type Emitter interface {
	Emit(ctx context.Context, b *Batch) error
}

// OpContext gives an operator what it needs from the job it runs in.
type OpContext struct {
	JobID    string
	JobName  string // stable across restarts; the job label of metrics
	Operator string // the operator's id in the plan, e.g. "3:Calc"
	// DeadLetter sends a row or record that could not be processed to the
	// job's dead-letter handling (counted always; written to a topic when
	// one is configured). It never blocks the operator for long.
	DeadLetter func(ctx context.Context, rec DeadLetterRecord)
	Logf       func(format string, args ...any)
}

// DeadLetterRecord describes a record that was dropped from the stream.
type DeadLetterRecord struct {
	Source    string // operator or source name
	Topic     string // Kafka topic (or file path) of the original record, if known
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte // the original bytes (or a JSON rendering of a row)
	Err       error
}

// Operator processes batches. Exactly one goroutine calls its methods.
type Operator interface {
	Open(ctx context.Context, oc *OpContext) error
	// Process handles a batch that arrived on input number input (0 for
	// single-input operators).
	Process(ctx context.Context, input int, b *Batch, out Emitter) error
	// Watermark is called when the operator's input watermark (the minimum
	// over its inputs) advances. The runtime forwards the watermark
	// downstream after the call returns.
	Watermark(ctx context.Context, wm int64, out Emitter) error
	// Close is called when every input has ended (bounded inputs) or the job
	// stops gracefully; the operator emits what it still holds.
	Close(ctx context.Context, out Emitter) error
}

// Snapshotter is implemented by every operator that keeps state. Snapshot is
// called when a checkpoint barrier has arrived on all inputs; Restore before
// Open's first batch when the job restarts from a checkpoint.
type Snapshotter interface {
	Snapshot(ctx context.Context, checkpointID int64) ([]byte, error)
	Restore(ctx context.Context, state []byte) error
}

// BarrierHandler is implemented by operators that must act before a barrier
// passes them, e.g. an async operator that completes its in-flight calls so
// that their results precede the barrier.
type BarrierHandler interface {
	PrepareBarrier(ctx context.Context, checkpointID int64, out Emitter) error
}

// CheckpointListener is told when a checkpoint is durable (all operators
// snapshotted and the checkpoint written), e.g. to commit a transaction.
type CheckpointListener interface {
	CheckpointComplete(ctx context.Context, checkpointID int64) error
}

// ErrEndOfInput is returned by Source.Poll when a bounded source is exhausted.
var ErrEndOfInput = errors.New("end of input")

// Source produces batches. The runtime's source driver calls Poll in a loop
// and interleaves checkpoint barriers between calls, so Snapshot must describe
// the position just after the last batch Poll returned.
type Source interface {
	// Open starts the source. state is the source's snapshot from the
	// checkpoint being restored, or nil for a fresh start.
	Open(ctx context.Context, sc *SourceContext, state []byte) error
	// Poll returns the next batch, or (nil, nil) when nothing arrived within
	// a short wait (well under a second, so barriers are not delayed), or
	// ErrEndOfInput when a bounded source is done.
	Poll(ctx context.Context) (*Batch, error)
	Snapshot(ctx context.Context) ([]byte, error)
	Close() error
}

// SourceContext is what a source gets from the job.
type SourceContext struct {
	OpContext
	// Partitions, when the source calls it, tells the driver which
	// partitions it currently reads, for per-partition watermarks.
	Partitions func(ids []int32)
	// Lag, when the source calls it, reports consumer lag of a partition.
	Lag func(topic string, partition int32, lag int64)
	// CaughtUp, when a changelog source (connectors.Config.Changelog)
	// calls it, says that everything its input held when the source
	// started has been returned by Poll (a live table is loaded). It may
	// be called from any goroutine, more than once.
	CaughtUp func()
}

// Bounded is implemented by sources that know they end.
type Bounded interface{ Bounded() bool }

// Sink consumes batches.
type Sink interface {
	Open(ctx context.Context, oc *OpContext, state []byte) error
	Write(ctx context.Context, b *Batch) error
	// Flush makes everything written so far durable (or ready to commit);
	// it is called on every checkpoint barrier and before Close.
	Flush(ctx context.Context) error
	Close() error
}

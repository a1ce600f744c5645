package runtime

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the garbage collector's target when the user sets no
// GOGC. A stream job's live heap is small (batches in flight, operator
// state) while it allocates at a high rate, so collecting at +400% instead
// of Go's +100% trades a few MB of heap for about a fifth more throughput
// (measured with BenchmarkEnginePipeline).
const DefaultGCPercent = 400

// ApplyGCDefaults sets DefaultGCPercent unless GOGC is set in the
// environment. The CLI calls it at start-up; benchmarks call it to measure
// what users run.
func ApplyGCDefaults() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}

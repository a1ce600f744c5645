// Package conformance is the test suite every connector runs: a source must
// open, poll, snapshot and resume from its snapshot without losing rows; a
// sink must make what it wrote durable on Flush and, after a restore, hold
// every row at least once. Connector tests call RunSource and RunSink with a
// factory for their connector.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Source describes the source under test.
type Source struct {
	// New returns a new, unopened instance; every call must describe the
	// same input, so that a second instance can resume from a first one's
	// snapshot.
	New func(t *testing.T) runtime.Source
	// Rows is how many rows to read. For a bounded source 0 means "until
	// ErrEndOfInput", which is then required.
	Rows int
	// Deterministic sources produce the same rows in the same order on every
	// run; the suite then demands that a resumed run continues exactly where
	// the snapshot was taken (no loss, no duplicates). Otherwise it demands
	// only that the resumed run's rows are new ones, as many as asked.
	Deterministic bool
	// Timeout bounds each read (default 10 s).
	Timeout time.Duration
}

// RunSource runs the source conformance tests as subtests of t.
func RunSource(t *testing.T, s Source) {
	t.Helper()
	if s.Timeout == 0 {
		s.Timeout = 10 * time.Second
	}
	var reference []string
	t.Run("read", func(t *testing.T) {
		src := s.New(t)
		openSource(t, src, nil)
		rows, ended := readRows(t, src, s.Rows, s.Timeout)
		if b, ok := src.(runtime.Bounded); ok && b.Bounded() && s.Rows == 0 && !ended {
			t.Fatalf("bounded source did not return ErrEndOfInput")
		}
		if len(rows) == 0 {
			t.Fatalf("source produced no rows")
		}
		if s.Rows > 0 && len(rows) < s.Rows {
			t.Fatalf("source produced %d rows, want %d", len(rows), s.Rows)
		}
		closeSource(t, src)
		reference = rows
	})
	if reference == nil {
		return
	}
	want := len(reference)
	if s.Rows > 0 {
		want = s.Rows
	}
	t.Run("snapshot before the first poll resumes from the start", func(t *testing.T) {
		src := s.New(t)
		openSource(t, src, nil)
		snap := snapshot(t, src)
		closeSource(t, src)
		again := s.New(t)
		openSource(t, again, snap)
		rows, _ := readRows(t, again, want, s.Timeout)
		closeSource(t, again)
		check(t, s.Deterministic, reference[:want], nil, rows)
	})
	for _, cut := range []int{1, want / 2, want - 1} {
		if cut <= 0 || cut >= want {
			continue
		}
		t.Run(fmt.Sprintf("restore after %d rows resumes without loss", cut), func(t *testing.T) {
			src := s.New(t)
			openSource(t, src, nil)
			first, _ := readRows(t, src, cut, s.Timeout)
			snap := snapshot(t, src)
			closeSource(t, src)
			again := s.New(t)
			openSource(t, again, snap)
			var rest []string
			if n := want - len(first); n > 0 {
				rest, _ = readRows(t, again, n, s.Timeout)
			}
			closeSource(t, again)
			check(t, s.Deterministic, reference[:want], first, rest)
		})
	}
	t.Run("close without polling", func(t *testing.T) {
		src := s.New(t)
		openSource(t, src, nil)
		closeSource(t, src)
	})
	t.Run("poll honours a cancelled context", func(t *testing.T) {
		src := s.New(t)
		openSource(t, src, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			src.Poll(ctx) // any result is fine; it must return
		}()
		select {
		case <-done:
		case <-time.After(s.Timeout):
			t.Fatalf("Poll with a cancelled context did not return within %v", s.Timeout)
		}
		closeSource(t, src)
	})
}

// check compares a run split at a snapshot (first, then rest) with the
// reference run.
func check(t *testing.T, deterministic bool, reference, first, rest []string) {
	t.Helper()
	got := append(append([]string(nil), first...), rest...)
	if len(got) < len(reference) {
		t.Fatalf("lost rows: %d before the snapshot + %d after = %d, want %d", len(first), len(rest), len(got), len(reference))
	}
	got = got[:len(reference)]
	if deterministic {
		for i := range reference {
			if got[i] != reference[i] {
				t.Fatalf("row %d after restore = %s, want %s (snapshot after %d rows)", i, got[i], reference[i], len(first))
			}
		}
		return
	}
	seen := map[string]bool{}
	for _, r := range first {
		seen[r] = true
	}
	for _, r := range rest {
		if seen[r] {
			t.Fatalf("row %s was read again after the snapshot", r)
		}
	}
}

func openSource(t *testing.T, src runtime.Source, state []byte) {
	t.Helper()
	sc := &runtime.SourceContext{
		OpContext: runtime.OpContext{
			JobID: "conformance", Operator: "0:Source",
			DeadLetter: func(context.Context, runtime.DeadLetterRecord) {},
			Logf:       t.Logf,
		},
		Partitions: func([]int32) {},
		Lag:        func(string, int32, int64) {},
	}
	if err := src.Open(context.Background(), sc, state); err != nil {
		t.Fatalf("Open: %v", err)
	}
}

func closeSource(t *testing.T, src runtime.Source) {
	t.Helper()
	if err := src.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func snapshot(t *testing.T, src runtime.Source) []byte {
	t.Helper()
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if snap == nil {
		t.Fatalf("Snapshot returned nil state (a fresh start), want a position")
	}
	return snap
}

// readRows polls until n rows arrived (n > 0) or the input ended. It
// returns whole batches, so it may return more than n rows.
func readRows(t *testing.T, src runtime.Source, n int, timeout time.Duration) (rows []string, ended bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for n <= 0 || len(rows) < n {
		b, err := src.Poll(ctx)
		if errors.Is(err, runtime.ErrEndOfInput) {
			return rows, true
		}
		if err != nil {
			t.Fatalf("Poll after %d rows: %v", len(rows), err)
		}
		if b == nil {
			continue
		}
		if len(b.Rows) == 0 {
			t.Fatalf("Poll returned an empty batch; return (nil, nil) when nothing arrived")
		}
		for _, r := range b.Rows {
			rows = append(rows, RenderRow(r))
		}
	}
	return rows, false
}

// RenderRow renders a row for comparisons: kinds and values, so that the
// string "1" and the number 1 differ.
func RenderRow(r types.Row) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, v := range r {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(v.Kind().String())
		sb.WriteByte(':')
		sb.WriteString(v.String())
	}
	sb.WriteByte(']')
	return sb.String()
}

// Sink describes the sink under test.
type Sink struct {
	// New returns a new, unopened instance writing to the same place.
	New func(t *testing.T) runtime.Sink
	// Rows are written in order (at least 4).
	Rows []types.Row
	// ReadBack returns, in order, the records durably in the sink's target.
	ReadBack func(t *testing.T) []string
	// Render is the record ReadBack returns for a row.
	Render func(r types.Row) string
	// NoDuplicatesOnRestore says the sink rolls back what it wrote after the
	// restored checkpoint, so a replay leaves each row exactly once.
	NoDuplicatesOnRestore bool
}

// RunSink runs the sink conformance tests as subtests of t.
func RunSink(t *testing.T, s Sink) {
	t.Helper()
	if len(s.Rows) < 4 {
		t.Fatalf("conformance.Sink needs at least 4 rows")
	}
	want := make([]string, len(s.Rows))
	for i, r := range s.Rows {
		want[i] = s.Render(r)
	}
	ctx := context.Background()
	oc := &runtime.OpContext{JobID: "conformance", Operator: "9:Sink", Logf: t.Logf,
		DeadLetter: func(context.Context, runtime.DeadLetterRecord) {}}
	t.Run("write, flush, close", func(t *testing.T) {
		sk := s.New(t)
		must(t, "Open", sk.Open(ctx, oc, nil))
		half := len(s.Rows) / 2
		must(t, "Write", sk.Write(ctx, &runtime.Batch{Rows: s.Rows[:half]}))
		must(t, "Flush", sk.Flush(ctx))
		if got := s.ReadBack(t); !equal(got, want[:half]) {
			t.Fatalf("after Flush the target holds\n%q\nwant\n%q", got, want[:half])
		}
		must(t, "Write", sk.Write(ctx, &runtime.Batch{Rows: s.Rows[half:]}))
		must(t, "Flush", sk.Flush(ctx))
		must(t, "Close", sk.Close())
		if got := s.ReadBack(t); !equal(got, want) {
			t.Fatalf("the target holds\n%q\nwant\n%q", got, want)
		}
	})
	t.Run("restart from a checkpoint keeps every row", func(t *testing.T) {
		sk := s.New(t)
		snapper, ok := sk.(runtime.Snapshotter)
		if !ok {
			t.Skip("the sink keeps no state")
		}
		must(t, "Open", sk.Open(ctx, oc, nil))
		cut := len(s.Rows) / 2
		must(t, "Write", sk.Write(ctx, &runtime.Batch{Rows: s.Rows[:cut]}))
		must(t, "Flush", sk.Flush(ctx))
		state, err := snapper.Snapshot(ctx, 1)
		must(t, "Snapshot", err)
		// Rows after the checkpoint reach the target, then the job dies.
		must(t, "Write", sk.Write(ctx, &runtime.Batch{Rows: s.Rows[cut : cut+1]}))
		must(t, "Flush", sk.Flush(ctx))
		must(t, "Close", sk.Close())

		again := s.New(t)
		must(t, "Restore", again.(runtime.Snapshotter).Restore(ctx, state))
		must(t, "Open", again.Open(ctx, oc, state))
		must(t, "Write", again.Write(ctx, &runtime.Batch{Rows: s.Rows[cut:]}))
		must(t, "Flush", again.Flush(ctx))
		must(t, "Close", again.Close())
		got := s.ReadBack(t)
		if s.NoDuplicatesOnRestore {
			if !equal(got, want) {
				t.Fatalf("after restore the target holds\n%q\nwant\n%q", got, want)
			}
			return
		}
		have := map[string]bool{}
		for _, g := range got {
			have[g] = true
		}
		for _, w := range want {
			if !have[w] {
				t.Fatalf("row %s lost across the restart", w)
			}
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

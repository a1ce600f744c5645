package exec

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/cep/ceptest"
	"github.com/chatsql/chatsql/runtime/types"
)

// TestCEPSpamReusedPartitionsMatchReference runs the spam query over the
// users of ceptest.SpamEvents (a fifth of them with -short) and checks the alerts
// against ceptest.SpamExpected. Most partitions there are dropped when their WITHIN
// window closes and their structs (matcher, evaluator) are reused by new
// partitions while deadlines of their former lives are still in the heap
// (a stale deadline that got through would only cost an Expire that finds
// nothing due: Expire checks real times). A matcher or partition that kept
// state across reuse changes the alerts (checked: with Reset leaving
// first/last as they were, this test fails).
func TestCEPSpamReusedPartitionsMatchReference(t *testing.T) {
	events := ceptest.SpamEvents(7)
	if testing.Short() {
		kept := events[:0:0]
		for _, e := range events {
			if e.User%5 == 0 {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	wantMatches, wantMessages := ceptest.SpamExpected(events)
	m, schema := openMatch(t, spamScript)
	rows := newSpamRows(t, schema, false)
	var matches, messages int
	out := &countEmitter{check: func(r types.Row) {
		matches++
		messages += int(r[len(r)-1].Int())
	}}
	feedSpam(t, m, rows, events, out, true)
	if matches != wantMatches || messages != wantMessages {
		t.Errorf("%d matches over %d messages, want %d over %d", matches, messages, wantMatches, wantMessages)
	}
	if len(m.free) > maxFreeParts {
		t.Errorf("free list holds %d partitions, more than %d", len(m.free), maxFreeParts)
	}
}

// TestMatchStringKeysNullAndRestore: with a single string PARTITION BY
// column the partitions are keyed by the string itself, and other values
// (NULL) apart: "", NULL and "a" are three partitions, each continuing its
// MATCH_NUMBER() after it was dropped while quiet and after a checkpoint
// restore in the middle of a match.
func TestMatchStringKeysNullAndRestore(t *testing.T) {
	const script = `
CREATE SOURCE s (
  u VARCHAR, v BIGINT, ts BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(ts, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'cep-bench');
SELECT * FROM s
MATCH_RECOGNIZE (
  PARTITION BY u
  ORDER BY event_time
  MEASURES MATCH_NUMBER() AS n, LAST(B.ts) AS at
  ONE ROW PER MATCH
  PATTERN (A B) WITHIN INTERVAL '5' SECOND
  DEFINE A AS v = 1, B AS v = 2
) AS mr;`
	keys := []types.Value{types.NewString(""), types.NullValue, types.NewString("a")}
	row := func(k types.Value, v, ts int64) types.Row {
		return types.Row{k, types.NewBigInt(v), types.NewBigInt(ts), types.NewTimestampLTZ(ts * 1_000_000)}
	}
	var got []string
	out := &countEmitter{check: func(r types.Row) {
		got = append(got, fmt.Sprintf("%v/%v n=%d at=%d", r[0].IsNull(), r[0].Str(), r[1].Int(), r[2].Int()))
	}}
	ctx := context.Background()
	feed := func(m *matchOp, v, ts int64) {
		var rows []types.Row
		for _, k := range keys {
			rows = append(rows, row(k, v, ts))
		}
		if err := m.Process(ctx, 0, &runtime.Batch{Rows: rows}, out); err != nil {
			t.Fatal(err)
		}
	}
	wm := func(m *matchOp, s int64) {
		if err := m.Watermark(ctx, s*1_000_000, out); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := openMatch(t, script)
	feed(m, 1, 10)
	feed(m, 2, 11)
	wm(m, 20) // three matches; the partitions are dropped, their numbers kept
	if n := m.numParts(); n != 0 {
		t.Fatalf("%d partitions after the matches, want 0", n)
	}
	feed(m, 1, 30)
	wm(m, 30) // A released: each partition in a partial match
	if n := m.numParts(); n != 3 {
		t.Fatalf("%d partitions, want 3", n)
	}
	snap, err := m.Snapshot(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := openMatch(t, script)
	if err := m2.Restore(ctx, snap); err != nil {
		t.Fatal(err)
	}
	snap2, err := m2.Snapshot(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if string(snap2) != string(snap) {
		t.Errorf("the restored operator's snapshot differs from the one it was restored from")
	}
	feed(m2, 2, 31)
	wm(m2, 40)
	if err := m2.Watermark(ctx, runtime.MaxWatermark, out); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{"false/ n=1 at=11", "false/ n=2 at=31", "false/a n=1 at=11", "false/a n=2 at=31", "true/ n=1 at=11", "true/ n=2 at=31"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

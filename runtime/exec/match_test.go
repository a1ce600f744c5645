package exec

import (
	"testing"

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

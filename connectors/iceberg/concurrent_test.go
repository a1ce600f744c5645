package iceberg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// The sink under concurrent change: other writers, ALTER TABLE, compaction
// and expiry commit between (and during) its checkpoint commits.

// commitCheckpoint runs a checkpoint of rows [from, to) through s.
func commitCheckpoint(t *testing.T, s *Sink, cp int64, from, to int) []byte {
	t.Helper()
	writeRows(t, s, from, to)
	st := checkpoint(t, s, cp)
	if err := s.CheckpointComplete(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
	return st
}

func loadMessages(t *testing.T, cats *Catalogs) *table.Table {
	t.Helper()
	tbl, err := cats.LoadTable(context.Background(), "lake.chat.messages")
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// TestSinkCommitsOnTheTablesCurrentState: between two commits of a running
// sink, a second writer commits, a column is added and the files are
// compacted; every later commit of the sink lands on that state: every row
// once, the new column kept in the schema, the compacted files not back.
func TestSinkCommitsOnTheTablesCurrentState(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := newTestSink(t, dir, nil)
	openSink(t, s, "run1", nil)
	defer s.Close()
	for cp := int64(1); cp <= 4; cp++ {
		commitCheckpoint(t, s, cp, int(cp-1)*10, int(cp)*10)
	}
	cats := NewCatalogs(dir)
	defer cats.Close()

	other := newTestSink(t, dir, nil) // a second job appending to the same table
	if err := other.Open(ctx, &runtime.OpContext{JobID: "other1", JobName: "other", Logf: t.Logf}, nil); err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	commitCheckpoint(t, other, 1, 1000, 1010)
	if err := AddColumn(ctx, loadMessages(t, cats), "c", types.String); err != nil {
		t.Fatal(err)
	}
	tbl := loadMessages(t, cats)
	before, _ := livePaths(ctx, tbl)
	res, err := RewriteDataFiles(ctx, tbl, CompactOptions{MinInputFiles: 2})
	if err != nil || res.RewrittenFiles != 5 {
		t.Fatalf("compaction: %+v %v", res, err)
	}
	commitCheckpoint(t, s, 5, 40, 50)
	commitCheckpoint(t, other, 2, 1010, 1020)
	commitCheckpoint(t, s, 6, 50, 60)

	tbl = loadMessages(t, cats)
	if _, ok := tbl.Schema().FindFieldByName("c"); !ok || tbl.Schema().ID != 1 {
		t.Fatalf("schema after the sink's commits: %v (id %d)", tbl.Schema(), tbl.Schema().ID)
	}
	live, err := livePaths(ctx, tbl)
	if err != nil {
		t.Fatal(err)
	}
	for p := range before {
		if live[p] {
			t.Fatalf("compacted file %s is live again", p)
		}
	}
	if len(live) != 4 { // the compacted file, sink's 5 and 6, other's 2
		t.Fatalf("%d live files, want 4", len(live))
	}
	ids := readIDs(t, dir)
	if len(ids) != 80 || ids[59] != 59 || ids[60] != 1000 || ids[79] != 1019 {
		t.Fatalf("ids %v", ids)
	}
	wantIDs(t, ids[:60], 60)
	// both jobs' evidence is in the table's properties
	var ev commitEvidence
	if err := json.Unmarshal([]byte(tbl.Properties()[PropertyLastCommitPrefix+"insert-messages"]), &ev); err != nil || ev != (commitEvidence{JobID: "run1", Checkpoint: 6}) {
		t.Fatalf("evidence %v %v", tbl.Properties(), err)
	}
	if !strings.Contains(tbl.Properties()[PropertyLastCommitPrefix+"other"], `"checkpoint-id":2`) {
		t.Fatalf("other's evidence: %v", tbl.Properties())
	}
}

// TestSinkCommitsWhileCompactionsRun: compactions run in a loop while the
// sink commits 30 checkpoints (100 ms apart); each side retries what the other's commit
// made stale. Every row once; no compaction's input is live at the end.
func TestSinkCommitsWhileCompactionsRun(t *testing.T) {
	for _, part := range []string{"", "days(event_time)"} {
		t.Run("partitioning="+part, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			s := newTestSink(t, dir, map[string]string{"partitioning": part})
			openSink(t, s, "run1", nil)
			defer s.Close()
			commitCheckpoint(t, s, 1, 0, 10)
			cats := NewCatalogs(dir)
			defer cats.Close()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var compacted []string
			var runs, rewritten int
			var cerr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					tbl, err := cats.LoadTable(ctx, "lake.chat.messages")
					if err != nil {
						cerr = err
						return
					}
					before, err := livePaths(ctx, tbl)
					if err != nil {
						cerr = err
						return
					}
					res, err := RewriteDataFiles(ctx, tbl, CompactOptions{MinInputFiles: 2})
					if err != nil {
						cerr = err
						return
					}
					runs++
					if res.RewrittenFiles > 0 {
						rewritten += res.RewrittenFiles
						after, _ := livePaths(ctx, tbl)
						for p := range before {
							if !after[p] {
								compacted = append(compacted, p)
							}
						}
					}
				}
			}()
			const checkpoints = 30
			for cp := int64(2); cp <= checkpoints; cp++ {
				commitCheckpoint(t, s, cp, int(cp-1)*10, int(cp)*10)
				time.Sleep(100 * time.Millisecond) // the checkpoint interval
			}
			close(stop)
			wg.Wait()
			if cerr != nil {
				t.Fatalf("compaction: %v", cerr)
			}
			wantIDs(t, readIDs(t, dir), checkpoints*10)
			live, err := livePaths(ctx, loadMessages(t, cats))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range compacted {
				if live[p] {
					t.Fatalf("compacted file %s is live again", p)
				}
			}
			if len(compacted) == 0 {
				t.Fatalf("%d compactions rewrote nothing", runs)
			}
			t.Logf("%d compactions replaced %d files while the sink committed %d checkpoints; %d files live", runs, rewritten, checkpoints, len(live))
		})
	}
}

// TestSinkRestoreAfterExpiry: the job commits checkpoint 2 and dies before
// its next checkpoint; another commit follows and an expiry removes every
// snapshot but the newest, so the snapshot that recorded the commit is
// gone. The restart from checkpoint 2 still recognises the commit (the
// table property) and adds nothing twice.
func TestSinkRestoreAfterExpiry(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := newTestSink(t, dir, nil)
	openSink(t, s, "run1", nil)
	commitCheckpoint(t, s, 1, 0, 10)
	st2 := commitCheckpoint(t, s, 2, 10, 20)
	s.Close() // killed: checkpoint 2 is the latest, and its files are committed

	other := newTestSink(t, dir, nil)
	if err := other.Open(ctx, &runtime.OpContext{JobID: "other1", JobName: "other", Logf: t.Logf}, nil); err != nil {
		t.Fatal(err)
	}
	commitCheckpoint(t, other, 1, 100, 110)
	other.Close()
	cats := NewCatalogs(dir)
	defer cats.Close()
	tbl := loadMessages(t, cats)
	res, err := ExpireSnapshots(ctx, tbl, time.Now().Add(time.Minute), 1)
	if err != nil || res.Retained != 1 {
		t.Fatalf("expiry: %+v %v", res, err)
	}
	for _, sn := range tbl.Metadata().Snapshots() {
		if sn.Summary.Properties[SummaryJobID] == "run1" {
			t.Fatalf("run1's snapshot %d survived the expiry", sn.SnapshotID)
		}
	}
	s2 := newTestSink(t, dir, nil)
	openSink(t, s2, "run2", st2)
	commitCheckpoint(t, s2, 3, 20, 30) // the replay from checkpoint 2's positions
	s2.Close()
	ids := readIDs(t, dir)
	if len(ids) != 40 || ids[29] != 29 || ids[30] != 100 {
		t.Fatalf("ids after the restore: %v", ids)
	}
	wantIDs(t, ids[:30], 30)
}

// TestSinkIdentifierFields: a sink with a PRIMARY KEY creates its table
// with the key as Iceberg identifier fields (required columns); a row with
// a NULL key goes to the dead letters; an existing table's identifier
// fields are left alone (with a warning when they differ).
func TestSinkIdentifierFields(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	mk := func(tableName string, key ...string) (*Sink, *[]string, *[]runtime.DeadLetterRecord) {
		o, errs := Spec.Validate(map[string]string{"connector": "iceberg", "table": tableName}, false)
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		sk, err := NewSink(connectors.Config{Name: "t", Options: o, Schema: testSchema, PrimaryKey: key,
			Settings: CatalogSettings(EmbeddedProperties(dir))})
		if err != nil {
			t.Fatal(err)
		}
		var logs []string
		var dead []runtime.DeadLetterRecord
		oc := &runtime.OpContext{JobID: "run1", JobName: "insert-" + tableName, Operator: "9:Sink",
			Logf:       func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) },
			DeadLetter: func(_ context.Context, r runtime.DeadLetterRecord) { dead = append(dead, r) }}
		if err := sk.(*Sink).Open(ctx, oc, nil); err != nil {
			t.Fatal(err)
		}
		return sk.(*Sink), &logs, &dead
	}
	s, _, dead := mk("chat.keyed", "ID", "username")
	sc := s.tbl.Schema()
	if got := IdentifierFields(sc); strings.Join(got, ",") != "id,username" {
		t.Fatalf("identifier fields %v (ids %v)", got, sc.IdentifierFieldIDs)
	}
	for _, f := range sc.Fields() {
		if f.Required != (f.Name == "id" || f.Name == "username") {
			t.Fatalf("field %s required = %v", f.Name, f.Required)
		}
	}
	writeRows(t, s, 0, 14) // rows 0 and 7 have a NULL username
	checkpoint(t, s, 1)
	if err := s.CheckpointComplete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(*dead) != 2 || !strings.Contains((*dead)[0].Err.Error(), "column 'username'") || !strings.Contains(string((*dead)[1].Value), `"id":7`) {
		t.Fatalf("dead letters %v", *dead)
	}
	cats := NewCatalogs(dir)
	defer cats.Close()
	tbl, err := cats.LoadTable(ctx, "lake.chat.keyed")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := DataFileCount(ctx, tbl); n != 1 || tbl.CurrentSnapshot().Summary.Properties["added-records"] != "12" {
		t.Fatalf("%d files, summary %v", n, tbl.CurrentSnapshot().Summary)
	}
	// the existing table is not changed by another key
	s2, logs, _ := mk("chat.keyed", "id")
	s2.Close()
	if !strings.Contains(strings.Join(*logs, "\n"), "is not the identifier fields of the existing table") {
		t.Fatalf("no warning: %v", *logs)
	}
	tbl, _ = cats.LoadTable(ctx, "lake.chat.keyed")
	if got := IdentifierFields(tbl.Schema()); len(got) != 2 {
		t.Fatalf("identifier fields changed to %v", got)
	}
	// a key Iceberg does not allow
	if _, err := IcebergSchema(testSchema, "score"); !errors.Is(err, ErrBadIdentifierField) {
		t.Fatalf("a double key: %v", err)
	}
	if _, err := IcebergSchema(testSchema, "nope"); err == nil || !strings.Contains(err.Error(), "not a column") {
		t.Fatalf("an unknown key column: %v", err)
	}
}

// TestSinkRestoreIntoAnotherTable: a checkpoint whose uncommitted files
// were written for one table is restored by a sink whose table of the same
// name is another one (the catalog now points elsewhere): the files stay out
// of it, and the restored sink writes on.
func TestSinkRestoreIntoAnotherTable(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	s := newTestSink(t, dir1, nil)
	openSink(t, s, "run1", nil)
	commitCheckpoint(t, s, 1, 0, 10)
	writeRows(t, s, 10, 20)
	st2 := checkpoint(t, s, 2) // killed before checkpoint 2 completed
	s.Close()

	other := newTestSink(t, dir2, nil) // the same name in another catalog
	openSink(t, other, "elsewhere", nil)
	commitCheckpoint(t, other, 1, 100, 105)
	other.Close()

	s2 := newTestSink(t, dir2, nil)
	openSink(t, s2, "run2", st2)
	commitCheckpoint(t, s2, 3, 20, 25)
	s2.Close()
	ids := readIDs(t, dir2)
	if len(ids) != 10 || ids[0] != 20 || ids[5] != 100 {
		t.Fatalf("ids of the other table: %v (checkpoint 2's files of the first table must stay out)", ids)
	}
	if ids := readIDs(t, dir1); len(ids) != 10 {
		t.Fatalf("ids of the first table: %v", ids)
	}
}

package session

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
)

// Table care while a streaming sink commits every checkpoint: compaction
// and expiry through CALL, and a restart after an expiry removed the
// snapshots of the job's last commit.

// careWhileSinkRuns streams n chat messages from Kafka into
// lake.chat.messages (a checkpoint every 300 ms) while the session runs
// CALL rewrite_data_files and expire_snapshots over and over; it returns
// the data directory once every message is in the table, and what the
// procedures did.
func careWhileSinkRuns(t *testing.T, n int) (dataDir string, compactions, rewritten, expired int) {
	t.Helper()
	br := kafkatest.NewKfake(t)
	in := kafkatest.Topic(t, "care-in")
	kafkatest.CreateTopic(t, br, in, 2)
	dataDir = t.TempDir()
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf,
		Settings: map[string]string{"kafka.brokers": br, "execution.checkpointing.interval": "300 ms"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.ExecScript(ctx, "sink.sql", `
CREATE SOURCE chat (id BIGINT, username VARCHAR, text VARCHAR, `+"`timestamp`"+` BIGINT, event_time AS TO_TIMESTAMP_LTZ(`+"`timestamp`"+`, 0))
  WITH ('connector' = 'kafka', 'topic' = '`+in+`', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
INSERT INTO lake.chat.messages SELECT id, username, text, event_time FROM chat;`); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; i < n; i += 50 {
			var vals []string
			for k := i; k < i+50 && k < n; k++ {
				vals = append(vals, chatLine(k))
			}
			kafkatest.ProduceValues(t, br, in, vals...)
			time.Sleep(60 * time.Millisecond)
		}
	}()
	waitLake(t, dataDir, "lake.chat.messages", 1, 30*time.Second) // CALL needs the table
	call := func(sql string) []string {
		res, err := s.Exec(ctx, "care.sql", sql)
		if err != nil {
			t.Fatalf("%s: %s", sql, diag.FormatError(err))
		}
		return res.Rows[0]
	}
	deadline := time.Now().Add(90 * time.Second)
	for round := 0; ; round++ {
		row := call("CALL lake.system.rewrite_data_files(table => 'chat.messages', options => map('min-input-files', '2'));")
		compactions++
		var k int
		fmt.Sscan(row[0], &k)
		rewritten += k
		if round%3 == 2 {
			row := call(fmt.Sprintf("CALL lake.system.expire_snapshots('chat.messages', TIMESTAMP '%s', 2);", time.Now().UTC().Format("2006-01-02 15:04:05.000")))
			fmt.Sscan(row[0], &k)
			expired += k
		}
		select {
		case <-produced:
			if rows, _ := lakeScan(t, dataDir, "lake.chat.messages"); len(rows) >= n {
				return dataDir, compactions, rewritten, expired
			}
		default:
		}
		if time.Now().After(deadline) {
			rows, _ := lakeScan(t, dataDir, "lake.chat.messages")
			t.Fatalf("%d of %d rows after 90 s", len(rows), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantEachID checks that ids are 0..n-1, each once.
func wantEachID(t *testing.T, who string, ids []int64, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("%s: %d rows, want %d", who, len(ids), n)
	}
	for i, id := range ids {
		if id != int64(i) {
			t.Fatalf("%s: id %d at position %d: a message is duplicated or lost", who, id, i)
		}
	}
}

// TestLakeCompactionWhileSinkRuns: CALL rewrite_data_files and
// expire_snapshots run over and over while a streaming sink commits every
// checkpoint; each side retries on the other's commits. Every message is
// in the table exactly once, as iceberg-go and DuckDB read it.
func TestLakeCompactionWhileSinkRuns(t *testing.T) {
	const n = 2000
	dataDir, compactions, rewritten, expired := careWhileSinkRuns(t, n)
	time.Sleep(time.Second) // a late duplicate commit would show now
	tbl := lakeTableOf(t, dataDir, "lake.chat.messages")
	_, rows := lakeRows(t, tbl)
	wantEachID(t, "iceberg-go", idsOf(t, rows), n)
	got := adhocRows(t, dataDir, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM lake.chat.messages")
	if strings.Join(got[0], ",") != fmt.Sprintf("%d,%d,0,%d", n, n, n-1) {
		t.Fatalf("DuckDB: %v", got)
	}
	if rewritten == 0 || expired == 0 {
		t.Fatalf("%d compactions rewrote %d files, expiries removed %d snapshots: the care did not run alongside", compactions, rewritten, expired)
	}
	files, _ := iceberg.DataFileCount(context.Background(), tbl)
	t.Logf("%d compactions rewrote %d files and expiries removed %d snapshots while the sink committed; %d rows once each, %d files, %d snapshots left",
		compactions, rewritten, expired, n, files, len(tbl.Metadata().Snapshots()))
}

// TestIntegrationPyicebergCompactedWhileWritten: pyiceberg reads the
// table that was compacted and expired while a sink wrote it: every
// message once.
func TestIntegrationPyicebergCompactedWhileWritten(t *testing.T) {
	py := pyiceberg(t)
	const n = 1000
	dataDir, _, _, _ := careWhileSinkRuns(t, n)
	rows, _ := pyicebergTable(t, py, dataDir, "chat.messages")
	var ids []int64
	for _, r := range rows {
		ids = append(ids, int64(r["id"].(float64)))
	}
	slices.Sort(ids)
	wantEachID(t, "pyiceberg", ids, n)
}

// TestLakeKillRestoreAfterExpiry: the job is killed (-9) right after it
// committed a checkpoint, before the next one; a compaction and an expiry
// keeping one snapshot then remove every snapshot the job committed. The
// restarted job restores that checkpoint, recognises its files as
// committed (the table property the commits keep) and commits nothing
// twice.
func TestLakeKillRestoreAfterExpiry(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_LAKE") != "" {
		t.Skip()
	}
	br := kafkatest.NewKfake(t)
	in, group := kafkatest.Topic(t, "expiry-in"), kafkatest.Topic(t, "expiry-group")
	kafkatest.CreateTopic(t, br, in, 2)
	const n = 1000
	produce := func(from, to int) {
		for i := from; i < to; i += 100 {
			var vals []string
			for k := i; k < min(i+100, to); k++ {
				vals = append(vals, chatLine(k))
			}
			kafkatest.ProduceValues(t, br, in, vals...)
		}
	}
	dataDir := t.TempDir()
	env := []string{"CHATSQL_HELPER_LAKE=1", "H_BROKERS=" + br, "H_IN=" + in, "H_GROUP=" + group, "H_DATA=" + dataDir, "H_INTERVAL=1500 ms"}
	snapshots := func() int {
		c := iceberg.NewCatalogs(dataDir)
		defer c.Close()
		tbl, err := c.LoadTable(context.Background(), "lake.chat.messages")
		if err != nil {
			return 0
		}
		return len(tbl.Metadata().Snapshots())
	}
	produce(0, n/2)
	first, _ := startHelper(t, "TestHelperLakeProcess", env...)
	deadline := time.Now().Add(60 * time.Second)
	for snapshots() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no commit 60 s after the start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	produce(n/2, n*3/4)
	for snapshots() < 2 { // the next checkpoint's commit: kill at once
		if time.Now().After(deadline) {
			t.Fatal("no second commit")
		}
		time.Sleep(2 * time.Millisecond)
	}
	killHelper(t, first)
	killedAt, _ := lakeScan(t, dataDir, "lake.chat.messages")

	// table care while the job is down: its commits' snapshots go away
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, sql := range []string{
		"CALL lake.system.rewrite_data_files(table => 'chat.messages', options => map('min-input-files', '2'));",
		fmt.Sprintf("CALL lake.system.expire_snapshots('chat.messages', TIMESTAMP '%s', 1);", time.Now().Add(time.Minute).UTC().Format("2006-01-02 15:04:05")),
	} {
		if _, err := s.Exec(ctx, "care.sql", sql); err != nil {
			t.Fatal(diag.FormatError(err))
		}
	}
	s.Close()
	tbl := lakeTableOf(t, dataDir, "lake.chat.messages")
	if snaps := tbl.Metadata().Snapshots(); len(snaps) != 1 || snaps[0].Summary.Operation != table.OpReplace {
		t.Fatalf("after the care: %d snapshots (%v), want the compaction's alone", len(snaps), snaps)
	}

	produce(n*3/4, n)
	_, out := startHelper(t, "TestHelperLakeProcess", env...)
	rows := waitLake(t, dataDir, "lake.chat.messages", n, 60*time.Second)
	time.Sleep(2 * time.Second) // a late duplicate commit would show now
	rows, _ = lakeScan(t, dataDir, "lake.chat.messages")
	wantEachID(t, "after the restart", idsOf(t, rows), n)
	if !strings.Contains(out.String(), "is already committed") {
		t.Fatalf("the restart did not restore a checkpoint whose commit was expired (the kill missed its window); helper output:\n%s", out.String())
	}
	t.Logf("killed with %d rows committed; the compaction and expiry left 1 snapshot; %d rows after the restart, 0 duplicates, 0 lost", len(killedAt), len(rows))
}

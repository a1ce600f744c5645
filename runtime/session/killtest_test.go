package session

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
)

// Kill-and-restart tests run this test binary again as a helper process
// (a TestHelper*Process function that runs a job until it is killed), kill
// it -9 in the middle of its stream and start it again on the same data
// directory.

// helperOutput is a helper process's output; it may be read while the
// process runs.
type helperOutput struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *helperOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *helperOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// startHelper runs the test function helper (a TestHelper*Process) in a new
// process of this test binary, with env added to this one's environment.
// The process is killed when the test ends, and its output is logged when
// the test failed (or CHATSQL_DEBUG_HELPER is set).
func startHelper(t *testing.T, helper string, env ...string) (*exec.Cmd, *helperOutput) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out := &helperOutput{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() || os.Getenv("CHATSQL_DEBUG_HELPER") != "" {
			t.Logf("helper output:\n%s", out.String())
		}
	})
	return cmd, out
}

// killHelper kills a helper process -9 and waits for it to be gone; a
// helper that is gone already fails the test.
func killHelper(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 the helper: %v", err)
	}
	cmd.Wait()
}

// TestHelperLakeProcess is not a test: the lakehouse's kill-and-restart
// tests run the test binary again with CHATSQL_HELPER_LAKE set, and this
// streams the chat JSON of Kafka topic H_IN (brokers H_BROKERS, group
// H_GROUP) into the Iceberg table H_TABLE (lake.chat.messages when unset)
// until it is killed. The session's data directory is H_DATA, its settings
// H_SETTINGS (a JSON object, as --set gives them); the script begins with
// H_CATALOG (a CREATE CATALOG, or nothing) and checkpoints every
// H_INTERVAL (200 ms when unset).
func TestHelperLakeProcess(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_LAKE") == "" {
		t.Skip("helper process for the lakehouse's kill-and-restart tests")
	}
	settings := map[string]string{}
	if js := os.Getenv("H_SETTINGS"); js != "" {
		if err := json.Unmarshal([]byte(js), &settings); err != nil {
			t.Fatal(err)
		}
	}
	settings["kafka.brokers"] = os.Getenv("H_BROKERS")
	s, err := New(Config{DataDir: os.Getenv("H_DATA"), Logf: log.Printf, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	interval, target := os.Getenv("H_INTERVAL"), os.Getenv("H_TABLE")
	if interval == "" {
		interval = "200 ms"
	}
	if target == "" {
		target = "lake.chat.messages"
	}
	script := os.Getenv("H_CATALOG") + `
SET 'execution.checkpointing.interval' = '` + interval + `';
CREATE SOURCE chat (` + chatSourceCols + `)
  WITH ('connector' = 'kafka', 'topic' = '` + os.Getenv("H_IN") + `', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset',
        'properties.group.id' = '` + os.Getenv("H_GROUP") + `');
INSERT INTO ` + target + ` SELECT id, username, text, event_time FROM chat;`
	if _, err := s.ExecScript(context.Background(), "lake_stream.sql", script); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	fmt.Println("HELPER STARTED")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.WaitJobs(ctx)
}

// lakeKill is a kill-and-restart test of TestHelperLakeProcess: a stream
// of n chat messages (chatLine(0) to chatLine(n-1)) into an Iceberg table.
type lakeKill struct {
	name  string              // what the test's log line names
	n     int                 // messages in the stream
	pause time.Duration       // between the stream's batches of 100 messages
	env   []string            // the helper's environment past CHATSQL_HELPER_LAKE, H_BROKERS, H_IN and H_GROUP
	load  func() *table.Table // the table as another process reads it; nil while it cannot be loaded
}

// run streams the messages through kfake, kills the helper once the
// stream is half out and the table has two commits, and restarts it: the
// table ends with every message exactly once, committed by the two runs,
// no checkpoint twice. It returns the table at the end and how many rows
// it held at the kill.
func (k lakeKill) run(t *testing.T) (tbl *table.Table, killedAt int) {
	t.Helper()
	br := kafkatest.NewKfake(t)
	in, group := kafkatest.Topic(t, "lakekill-in"), kafkatest.Topic(t, "lakekill-group")
	kafkatest.CreateTopic(t, br, in, 2)
	half := make(chan struct{})
	go func() {
		for i := 0; i < k.n; i += 100 {
			var vals []string
			for m := i; m < i+100; m++ {
				vals = append(vals, chatLine(m))
			}
			kafkatest.ProduceValues(t, br, in, vals...)
			if i == k.n/2 {
				close(half)
			}
			time.Sleep(k.pause)
		}
	}()
	rows := func() int {
		if tbl := k.load(); tbl != nil {
			_, rows := lakeRows(t, tbl)
			return len(rows)
		}
		return 0
	}
	env := append([]string{"CHATSQL_HELPER_LAKE=1", "H_BROKERS=" + br, "H_IN=" + in, "H_GROUP=" + group}, k.env...)

	first, _ := startHelper(t, "TestHelperLakeProcess", env...)
	<-half
	deadline := time.Now().Add(30 * time.Second)
	for {
		if tbl := k.load(); tbl != nil && len(tbl.Metadata().Snapshots()) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no two commits 30 s after half the stream")
		}
		time.Sleep(20 * time.Millisecond)
	}
	killHelper(t, first)
	killedAt = rows()
	startHelper(t, "TestHelperLakeProcess", env...)
	deadline = time.Now().Add(60 * time.Second)
	for rows() < k.n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows 60 s after the restart (killed at %d)", rows(), k.n, killedAt)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a late duplicate commit would show now
	if tbl = k.load(); tbl == nil {
		t.Fatal("the table cannot be loaded after the restart")
	}
	_, all := lakeRows(t, tbl)
	wantEachID(t, "after the restart", idsOf(t, all), k.n)
	seen, runs := map[string]bool{}, map[string]bool{}
	for _, sn := range tbl.Metadata().Snapshots() {
		p := sn.Summary.Properties
		key := p[iceberg.SummaryJobID] + "/" + p[iceberg.SummaryCheckpointID]
		if seen[key] {
			t.Fatalf("checkpoint %s committed twice", key)
		}
		seen[key] = true
		runs[p[iceberg.SummaryJobID]] = true
	}
	if len(runs) != 2 {
		t.Errorf("commits of %d runs, want 2 (before and after the kill)", len(runs))
	}
	t.Logf("%s: killed with %d rows committed; %d rows after the restart, %d snapshots (one per checkpoint with data), 0 duplicates, 0 lost",
		k.name, killedAt, len(all), len(seen))
	return tbl, killedAt
}

package session

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/udf/llmtest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestHelperPipelineProcess is not a test: TestKillAndRestart runs the test
// binary again with CHATSQL_HELPER_PIPELINE set, and this function then runs
// queries/chat_pipeline.sql until it is killed.
func TestHelperPipelineProcess(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_PIPELINE") == "" {
		t.Skip("helper process for TestKillAndRestart")
	}
	env := &pipelineEnv{brokers: os.Getenv("H_BROKERS"), in: os.Getenv("H_IN"), out: os.Getenv("H_OUT"),
		dlq: os.Getenv("H_DLQ"), group: os.Getenv("H_GROUP")}
	env.llmURL = os.Getenv("H_LLM")
	env.logf = log.Printf
	env.extraSettingsSQL = "SET 'execution.checkpointing.interval' = '300 ms';\n"
	s := env.start(t, os.Getenv("H_DATA"))
	defer s.Close()
	fmt.Println("HELPER STARTED")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.WaitJobs(ctx); err != nil && ctx.Err() == nil {
		t.Fatal(diag.FormatError(err))
	}
}

// TestKillAndRestart: kill -9 in the middle of a stream, then restart:
// every input record reaches the sink at least once, and a replayed record
// carries the same message id (and the same translation) as before.
func TestKillAndRestart(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_PIPELINE") != "" {
		t.Skip()
	}
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			llm := llmtest.New(llmtest.WithLatency(2 * time.Millisecond))
			defer llm.Close()
			env := newPipelineEnv(t, brokers(t), llm)
			const n = 3000
			var inputs []string
			for i := 0; i < n; i++ {
				inputs = append(inputs, seedRecord(fmt.Sprintf("u%d", i%50), fmt.Sprintf("message number %d", i), "USER_MESSAGE", "es", 1704067200+int64(i)))
			}
			// a stream, not a backlog: 100 records every 50 ms
			go func() {
				for i := 0; i < n; i += 100 {
					kafkatest.ProduceValues(t, env.brokers, env.in, inputs[i:i+100]...)
					time.Sleep(50 * time.Millisecond)
				}
			}()
			dataDir := t.TempDir()
			start := func() *exec.Cmd {
				cmd, _ := startHelper(t, "TestHelperPipelineProcess", "CHATSQL_HELPER_PIPELINE=1", "H_BROKERS="+env.brokers, "H_IN="+env.in,
					"H_OUT="+env.out, "H_DLQ="+env.dlq, "H_GROUP="+env.group, "H_LLM="+llm.URL(), "H_DATA="+dataDir)
				return cmd
			}

			// consume the output continuously
			cl := kafkatest.Client(t, env.brokers, kgo.ConsumeTopics(env.out), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			var mu sync.Mutex
			var outs []outRecord
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for ctx.Err() == nil {
					fs := cl.PollFetches(ctx)
					var recs []*kgo.Record
					fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
					dec := decodeOut(t, recs)
					mu.Lock()
					outs = append(outs, dec...)
					mu.Unlock()
				}
			}()
			count := func() int { mu.Lock(); defer mu.Unlock(); return len(outs) }
			waitFor := func(k int, d time.Duration) {
				deadline := time.Now().Add(d)
				for count() < k {
					if time.Now().After(deadline) {
						t.Fatalf("only %d of %d outputs after %s", count(), k, d)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}

			first := start()
			waitFor(n/3, 60*time.Second)
			// kill only once a checkpoint is durable, to show the restart
			// resumes from it rather than from the beginning
			deadline0 := time.Now().Add(30 * time.Second)
			for {
				if m, _ := filepath.Glob(filepath.Join(dataDir, "checkpoints", "*", "chk-*")); len(m) > 0 {
					break
				}
				if time.Now().After(deadline0) {
					t.Fatal("no checkpoint completed within 30 s")
				}
				time.Sleep(10 * time.Millisecond)
			}
			killHelper(t, first)
			killedAt := count()

			start()
			// wait until every input id has been seen
			deadline := time.Now().Add(90 * time.Second)
			for {
				mu.Lock()
				seen := map[string]bool{}
				for _, o := range outs {
					seen[o.Payload.ID] = true
				}
				mu.Unlock()
				missing := 0
				for i := 0; i < n; i++ {
					if !seen[expectedID(env.in, 0, int64(i))] {
						missing++
					}
				}
				if missing == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d inputs never reached the sink", missing, n)
				}
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			byID := map[string]outRecord{}
			dups := 0
			for _, o := range outs {
				if prev, ok := byID[o.Payload.ID]; ok {
					dups++
					if prev.Payload.Text != o.Payload.Text || *prev.Payload.Translated != *o.Payload.Translated {
						t.Errorf("replayed record %s differs: %+v vs %+v", o.Payload.ID, prev.Payload, o.Payload)
					}
				}
				byID[o.Payload.ID] = o
			}
			t.Logf("killed after %d outputs; %d outputs in all for %d inputs: %d duplicates (at-least-once replay since the last checkpoint), 0 lost",
				killedAt, len(outs), n, dups)
			// Replay-safe translation: no row that had left the job before
			// the kill made a second LLM call after the restart (its
			// translation was journaled before the row left). Rows whose
			// request was in flight at the kill may be asked again.
			again := 0
			for _, o := range outs[:killedAt] {
				if k := llm.TextCalls("es", o.Payload.Text); k != 1 {
					t.Errorf("%q was sent to the LLM %d times; its row had left the job before the kill", o.Payload.Text, k)
				}
			}
			for i := 0; i < n; i++ {
				if llm.TextCalls("es", fmt.Sprintf("message number %d", i)) > 1 {
					again++
				}
			}
			t.Logf("LLM: %d requests for %d texts; %d texts asked twice (in flight at the kill), none of the %d rows out before the kill",
				llm.Calls(), n, again, killedAt)
			if dups >= killedAt {
				t.Errorf("the restart replayed everything (%d duplicates of %d outputs before the kill): it did not resume from the checkpoint", dups, killedAt)
			}
		})
	}
}

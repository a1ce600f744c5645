package session

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cepQueryScript is a queries/ file with its topics and group replaced.
func cepQueryScript(t testing.TB, file, in, alerts, dlq, group string) string {
	b, err := os.ReadFile("../../queries/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for from, to := range map[string]string{"'websocket_fanout'": in, "'chat_alerts'": alerts, "'chat_dead_letter'": dlq} {
		s = strings.ReplaceAll(s, from, "'"+to+"'")
	}
	// every query file names its group 'cep-...'
	i := strings.Index(s, "'properties.group.id' = '")
	j := strings.Index(s[i+len("'properties.group.id' = '"):], "'")
	return s[:i] + "'properties.group.id' = '" + group + "'" + s[i+len("'properties.group.id' = '")+j+1:]
}

// TestHelperCEPProcess is not a test: TestCEPKillAndRestart runs the test
// binary again with CHATSQL_HELPER_CEP set, and this runs a queries/cep_*
// file until it is killed.
func TestHelperCEPProcess(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_CEP") == "" {
		t.Skip("helper process for TestCEPKillAndRestart")
	}
	script := "SET 'execution.checkpointing.interval' = '200 ms';\n" +
		cepQueryScript(t, os.Getenv("H_FILE"), os.Getenv("H_IN"), os.Getenv("H_OUT"), os.Getenv("H_DLQ"), os.Getenv("H_GROUP"))
	s, err := New(Config{DataDir: os.Getenv("H_DATA"), Logf: log.Printf, Settings: map[string]string{"kafka.brokers": os.Getenv("H_BROKERS")}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ExecScript(context.Background(), os.Getenv("H_FILE"), script); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	fmt.Println("HELPER STARTED")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.WaitJobs(ctx)
}

// cepStream is a chat stream of 150 users over ~6 minutes of event time:
// bursts of messages (spam), joins with and without a first message
// (abandonment), so that partial matches are open at any moment.
func cepStream() []string {
	rng := rand.New(rand.NewPCG(7, 7))
	var out []string
	ts := int64(1704067200)
	for i := 0; ts < 1704067200+360; i++ {
		u := fmt.Sprintf("user%d", rng.IntN(150))
		switch r := rng.IntN(20); {
		case r == 0: // a burst of 5-7 messages, one a second
			n := 5 + rng.IntN(3)
			for k := 0; k < n; k++ {
				out = append(out, seedRecord(u, fmt.Sprintf("spam %d", k), "USER_MESSAGE", "en", ts+int64(k)))
			}
			// the stream goes on from the burst's last second: no record
			// is behind the watermark (whose lag is 5 s), whenever the
			// source happens to emit it
			ts += int64(n - 1)
		case r < 3:
			out = append(out, seedRecord(u, "joined", "USER_JOINED", "en", ts))
		default:
			out = append(out, seedRecord(u, "a message", "USER_MESSAGE", "en", ts))
		}
		if i%4 == 0 {
			ts++
		}
	}
	// a last record far ahead moves the watermark past every window
	return append(out, seedRecord("clock", "tick", "USER_MESSAGE", "en", ts+600))
}

// TestCEPKillAndRestart: kill -9 the job of a queries/cep_* file in the
// middle of its stream (with partial matches open), restart it: the alerts
// are those of an uninterrupted run — none lost, duplicates only from the
// at-least-once replay since the last checkpoint, counted.
func TestCEPKillAndRestart(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_CEP") != "" {
		t.Skip()
	}
	stream := cepStream()
	for _, file := range []string{"cep_spam.sql", "cep_abandonment.sql"} {
		t.Run(strings.TrimSuffix(file, ".sql"), func(t *testing.T) {
			br := kafkatest.NewKfake(t)
			topics := func(prefix string) (string, string, string, string) {
				in, out, dlq := kafkatest.Topic(t, prefix+"in"), kafkatest.Topic(t, prefix+"alerts"), kafkatest.Topic(t, prefix+"dlq")
				for _, tp := range []string{in, out, dlq} {
					kafkatest.CreateTopic(t, br, tp, 1)
				}
				return in, out, dlq, kafkatest.Topic(t, prefix+"group")
			}

			// the uninterrupted run
			in0, out0, dlq0, g0 := topics("ref-")
			kafkatest.ProduceValues(t, br, in0, stream...)
			ref, err := New(Config{DataDir: t.TempDir(), Logf: func(string, ...any) {}, Settings: map[string]string{"kafka.brokers": br}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ref.ExecScript(context.Background(), file, cepQueryScript(t, file, in0, out0, dlq0, g0)); err != nil {
				t.Fatal(diag.FormatError(err))
			}
			want := map[string]int{}
			for _, r := range kafkatest.ConsumeFor(t, br, out0, 2*time.Second) {
				want[string(r.Value)]++
			}
			ref.Close()
			if len(want) < 10 {
				t.Fatalf("the uninterrupted run gave only %d alerts: the stream shows nothing", len(want))
			}

			// the killed run: the stream arrives in 30 slices, 60 ms apart
			in, out, dlq, g := topics("kill-")
			dataDir := t.TempDir()
			half := make(chan struct{})
			go func() {
				step := (len(stream) + 29) / 30
				for k, i := 0, 0; i < len(stream); k, i = k+1, i+step {
					kafkatest.ProduceValues(t, br, in, stream[i:min(i+step, len(stream))]...)
					if k == 15 {
						close(half)
					}
					time.Sleep(60 * time.Millisecond)
				}
			}()
			start := func() *exec.Cmd {
				cmd, _ := startHelper(t, "TestHelperCEPProcess", "CHATSQL_HELPER_CEP=1", "H_FILE="+file, "H_BROKERS="+br, "H_IN="+in,
					"H_OUT="+out, "H_DLQ="+dlq, "H_GROUP="+g, "H_DATA="+dataDir)
				return cmd
			}
			cl := kafkatest.Client(t, br, kgo.ConsumeTopics(out), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			var mu sync.Mutex
			var got []string
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for ctx.Err() == nil {
					fs := cl.PollFetches(ctx)
					mu.Lock()
					fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
					mu.Unlock()
				}
			}()
			count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

			first := start()
			// kill in the middle of the stream, once a checkpoint is durable
			<-half
			deadline := time.Now().Add(30 * time.Second)
			for {
				if m, _ := filepath.Glob(filepath.Join(dataDir, "checkpoints", "*", "chk-*")); len(m) > 0 && count() > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint or no alert (%d) 30 s after half the stream", count())
				}
				time.Sleep(5 * time.Millisecond)
			}
			killHelper(t, first)
			killedAt := count()
			start()
			deadline = time.Now().Add(60 * time.Second)
			for {
				mu.Lock()
				seen := map[string]int{}
				for _, g := range got {
					seen[g]++
				}
				mu.Unlock()
				var missing []string
				for a := range want {
					if seen[a] == 0 {
						missing = append(missing, a)
					}
				}
				if len(missing) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d alerts never came after the restart (killed after %d): %v", len(missing), len(want), killedAt, missing)
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(time.Second) // anything else still on its way
			mu.Lock()
			defer mu.Unlock()
			seen := map[string]int{}
			for _, a := range got {
				seen[a]++
			}
			var extra []string
			dups := 0
			for a, n := range seen {
				if want[a] == 0 {
					extra = append(extra, a)
				}
				if n > want[a] {
					dups += n - want[a]
				}
			}
			sort.Strings(extra)
			if len(extra) > 0 {
				t.Errorf("%d alerts an uninterrupted run does not give, e.g. %s", len(extra), extra[0])
			}
			t.Logf("%s: killed after %d alerts; %d alerts in all, %d distinct = the uninterrupted run's %d; %d duplicates (at-least-once replay), 0 lost",
				file, killedAt, len(got), len(seen), len(want), dups)
		})
	}
}

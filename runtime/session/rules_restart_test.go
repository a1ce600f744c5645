package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestHelperRulesProcess is not a test: TestRulesKillAndRestart runs the
// test binary again with CHATSQL_HELPER_RULES set, and this runs
// queries/rules_permissions.sql (the topics of H_TOPICS, group H_GROUP,
// checkpoints every 300 ms on H_DATA) until it is killed.
func TestHelperRulesProcess(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_RULES") == "" {
		t.Skip("helper process for TestRulesKillAndRestart")
	}
	e := &rulesEnv{brokers: os.Getenv("H_BROKERS"), group: os.Getenv("H_GROUP")}
	if err := json.Unmarshal([]byte(os.Getenv("H_TOPICS")), &e.topics); err != nil {
		t.Fatal(err)
	}
	s := e.start(t, "rules_permissions.sql", os.Getenv("H_DATA"))
	defer s.Close()
	fmt.Println("HELPER STARTED")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.WaitJobs(ctx)
}

// permEvent is one record of the user_permissions topic in the kill test,
// published when the message stream reaches second step.
type permEvent struct {
	step    int64
	user    string
	role    string
	canPost bool
	at      int64 // changed_at (script second); for a tombstone its record timestamp
	delete  bool  // a tombstone
	stale   bool  // changed_at below one already published: ignored ('version.column')
	late    bool  // published after the restart
}

// permVersion is the row (or deletion) of a user valid from a second.
type permVersion struct {
	from    int64
	del     bool
	role    string
	canPost bool
}

// latestCheckpoint is the highest chk-N id under dataDir (-1: none).
func latestCheckpoint(dataDir string) int64 {
	m, _ := filepath.Glob(filepath.Join(dataDir, "checkpoints", "*", "chk-*"))
	best := int64(-1)
	for _, p := range m {
		if id, err := strconv.ParseInt(strings.TrimPrefix(filepath.Base(p), "chk-"), 10, 64); err == nil && id > best {
			best = id
		}
	}
	return best
}

// TestRulesKillAndRestart: kill -9 the job of queries/rules_permissions.sql
// in the middle of its streams (messages and permission rules still being
// produced), restart it in-process on the same data dir: the messages that
// come out are exactly those the rules allow by event time (each at least
// once, never a forbidden one, each with the role valid at its time), and
// the table restored from the checkpoint is the one before the kill — a
// revocation stays, a tombstone stays a deletion (also one valid before a
// later version: out of order in time without 'version.column'), and a
// stale update (older changed_at) stays ignored, also one that arrives
// after the restart. Duplicates (at-least-once replay) are counted.
func TestRulesKillAndRestart(t *testing.T) {
	if os.Getenv("CHATSQL_HELPER_RULES") != "" {
		t.Skip()
	}
	const (
		stepEvery = 50 * time.Millisecond
		lastStep  = 100
		killBy    = 45 // the stream waits here until the helper is killed
		restartAt = 55 // the stream waits here until the job runs again; the late rules go out here
	)
	users := []string{"alice", "carol", "dave", "erin", "frank", "hank", "gina", "ivan"}
	events := []permEvent{
		{step: 0, user: "carol", role: "moderator", canPost: true, at: 0}, // before the job starts
		{step: 2, user: "dave", role: "member", canPost: false, at: 20},
		{step: 3, user: "erin", role: "member", canPost: false, at: 15},
		{step: 4, user: "hank", role: "member", canPost: false, at: 25},
		{step: 6, user: "hank", role: "admin", canPost: true, at: 45},
		{step: 8, user: "frank", role: "vip", canPost: true, at: 80},
		{step: 10, user: "frank", role: "member", canPost: false, at: 60, stale: true},
		{step: 12, user: "erin", delete: true, at: 35},
		// a tombstone valid from 35 s, published after hank's version of
		// 45 s: inserted before it in hank's history
		{step: 14, user: "hank", delete: true, at: 35},
		// ivan's rights flip while the helper is killed and restarted;
		// each version is valid 5 s after it is published, within the
		// backlog of messages produced while the job is down: after a
		// restore the Lookup must wait for the table to re-read its topic
		// before it joins that backlog (it once did not, and applied such
		// versions late, only to the messages after them)
		{step: 20, user: "ivan", role: "member", canPost: false, at: 25},
		{step: 26, user: "ivan", role: "member", canPost: true, at: 31},
		{step: 32, user: "ivan", role: "member", canPost: false, at: 37},
		{step: 38, user: "ivan", role: "trusted", canPost: true, at: 43},
		{step: 44, user: "ivan", role: "member", canPost: false, at: 49},
		// after the restart
		{step: restartAt, user: "frank", role: "member", canPost: false, at: 70, stale: true, late: true},
		{step: restartAt, user: "gina", role: "member", canPost: false, at: 75, late: true},
	}
	const lastPreKillRule = 14

	// the versions each user has by event time (stale updates ignored)
	history := map[string][]permVersion{}
	for _, ev := range events {
		if ev.stale {
			continue
		}
		history[ev.user] = append(history[ev.user], permVersion{from: ev.at, del: ev.delete, role: ev.role, canPost: ev.canPost})
	}
	for _, h := range history {
		sort.SliceStable(h, func(i, j int) bool { return h[i].from < h[j].from })
	}
	// allowed reports whether user's message at second sec passes, and
	// with which role.
	allowed := func(user string, sec int64) (bool, string) {
		var cur *permVersion
		for i, v := range history[user] {
			if v.from <= sec {
				cur = &history[user][i]
			}
		}
		if cur == nil || cur.del {
			return true, "member"
		}
		return cur.canPost, cur.role
	}
	text := func(user string, sec int64) string { return fmt.Sprintf("%s %d", user, sec) }

	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newRulesEnv(t, brokers(t), "user_permissions", "permitted_messages")
			out := e.topic("permitted_messages")
			dataDir := t.TempDir()
			pc := kafkatest.Client(t, e.brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
			produce := func(recs ...*kgo.Record) error {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				return pc.ProduceSync(ctx, recs...).FirstErr()
			}
			ruleRecord := func(ev permEvent) *kgo.Record {
				rec := &kgo.Record{Topic: e.topic("user_permissions"), Key: []byte(ev.user), Timestamp: time.Unix(1704067200+ev.at, 0)}
				if !ev.delete {
					rec.Value, _ = json.Marshal(map[string]any{"username": ev.user, "role": ev.role, "can_post": ev.canPost, "changed_at": (1704067200 + ev.at) * 1000})
				}
				return rec
			}
			msgRecord := func(user string, sec int64) *kgo.Record {
				return &kgo.Record{Topic: e.topic("websocket_fanout"), Value: []byte(seedRecord(user, text(user, sec), "USER_MESSAGE", "es", 1704067200+sec))}
			}
			for _, ev := range events {
				if ev.step == 0 {
					if err := produce(ruleRecord(ev)); err != nil {
						t.Fatal(err)
					}
				}
			}

			var helperOut strings.Builder
			var helperMu sync.Mutex
			helper := exec.Command(os.Args[0], "-test.run=^TestHelperRulesProcess$", "-test.v")
			topics, _ := json.Marshal(e.topics)
			helper.Env = append(os.Environ(), "CHATSQL_HELPER_RULES=1", "H_BROKERS="+e.brokers, "H_TOPICS="+string(topics),
				"H_GROUP="+e.group, "H_DATA="+dataDir)
			started := make(chan struct{})
			helper.Stdout = writerFunc(func(p []byte) (int, error) {
				helperMu.Lock()
				defer helperMu.Unlock()
				helperOut.Write(p)
				if strings.Contains(helperOut.String(), "HELPER STARTED") {
					select {
					case <-started:
					default:
						close(started)
					}
				}
				return len(p), nil
			})
			helper.Stderr = helper.Stdout
			if err := helper.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				helper.Process.Kill()
				if t.Failed() {
					helperMu.Lock()
					t.Logf("helper output:\n%s", helperOut.String())
					helperMu.Unlock()
				}
			})
			select {
			case <-started:
			case <-time.After(30 * time.Second):
				t.Fatal("the helper did not start the job in 30 s")
			}

			// the output, read from the start
			cl := kafkatest.Client(t, e.brokers, kgo.ConsumeTopics(out), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			var mu sync.Mutex
			var got []map[string]any
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for ctx.Err() == nil {
					fs := cl.PollFetches(ctx)
					mu.Lock()
					fs.EachRecord(func(r *kgo.Record) {
						var m map[string]any
						if err := json.Unmarshal(r.Value, &m); err != nil {
							m = map[string]any{"text": "not JSON: " + string(r.Value)}
						}
						got = append(got, m)
					})
					mu.Unlock()
				}
			}()

			// the stream: one message of each user a second of event
			// time, a second every 50 ms, the rules at their steps
			rulesOut := make(chan struct{}) // the last rule before the kill went out
			killed := make(chan struct{})
			restarted := make(chan struct{})
			var stepNow atomic.Int64
			streamDone := make(chan error, 1)
			go func() {
				for step := int64(1); step <= lastStep; step++ {
					stepNow.Store(step)
					if step == killBy {
						<-killed
					}
					if step == restartAt {
						<-restarted
					}
					var recs []*kgo.Record
					for _, ev := range events {
						if ev.step == step {
							recs = append(recs, ruleRecord(ev))
						}
					}
					for _, u := range users {
						recs = append(recs, msgRecord(u, step))
					}
					if err := produce(recs...); err != nil {
						streamDone <- err
						return
					}
					if step == lastPreKillRule {
						close(rulesOut)
					}
					time.Sleep(stepEvery)
				}
				// moves the watermark past the last step
				streamDone <- produce(msgRecord("clock", lastStep+10))
			}()

			// kill once a checkpoint started after the last rule before
			// the kill has completed
			<-rulesOut
			from := latestCheckpoint(dataDir)
			deadline := time.Now().Add(20 * time.Second)
			for latestCheckpoint(dataDir) < from+2 {
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint completed 20 s after the rules (latest: %d)", latestCheckpoint(dataDir))
				}
				time.Sleep(5 * time.Millisecond)
			}
			// mid-way to the next checkpoint: what the job wrote since
			// this one is replayed after the restart
			time.Sleep(150 * time.Millisecond)
			mu.Lock()
			killedAfter := len(got)
			mu.Unlock()
			helper.Process.Signal(syscall.SIGKILL)
			helper.Wait()
			killedAt := time.Now()
			killStep := stepNow.Load()
			close(killed)
			ck := latestCheckpoint(dataDir)
			// down for 10 steps of the stream, which goes on (ivan's
			// rules with it)
			time.Sleep(10 * stepEvery)
			s := e.start(t, "rules_permissions.sql", dataDir)
			defer s.Close()
			close(restarted)
			t.Logf("killed at step %d (latest checkpoint %d) with %d messages out; restarted %s later", killStep, ck, killedAfter, time.Since(killedAt).Round(time.Millisecond))
			if err := <-streamDone; err != nil {
				t.Fatal(err)
			}

			// every expected message, at least once
			want := map[string]string{} // text -> role
			forbidden := map[string]bool{}
			for _, u := range users {
				for sec := int64(1); sec <= lastStep; sec++ {
					if ok, role := allowed(u, sec); ok {
						want[text(u, sec)] = role
					} else {
						forbidden[text(u, sec)] = true
					}
				}
			}
			seen := func() map[string][]map[string]any {
				mu.Lock()
				defer mu.Unlock()
				m := map[string][]map[string]any{}
				for _, r := range got {
					s, _ := r["text"].(string)
					m[s] = append(m[s], r)
				}
				return m
			}
			deadline = time.Now().Add(20 * time.Second)
			lost := 0
			for {
				var missing []string
				for w := range want {
					if len(seen()[w]) == 0 {
						missing = append(missing, w)
					}
				}
				if len(missing) == 0 {
					break
				}
				if time.Now().After(deadline) {
					sort.Strings(missing)
					lost = len(missing)
					t.Errorf("%d of %d permitted messages never came out (lost): %v", len(missing), len(want), missing[:min(len(missing), 30)])
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if lost == 0 {
				time.Sleep(time.Second) // anything else still on its way
			}
			all := seen()
			var bad []string
			dups, total := 0, 0
			for txt, rs := range all {
				total += len(rs)
				if forbidden[txt] {
					bad = append(bad, fmt.Sprintf("%q (forbidden at its time)", txt))
					continue
				}
				role, ok := want[txt]
				if !ok {
					bad = append(bad, fmt.Sprintf("%q (never sent)", txt))
					continue
				}
				dups += len(rs) - 1
				for _, r := range rs {
					if r["role"] != role {
						bad = append(bad, fmt.Sprintf("%q with role %v, want %s", txt, r["role"], role))
						break
					}
				}
			}
			sort.Strings(bad)
			if len(bad) > 0 {
				t.Errorf("%d messages came out wrong, e.g.:\n%s", len(bad), strings.Join(bad[:min(len(bad), 20)], "\n"))
			}
			// the restored table, spelled out (the checks above cover
			// these; these say which part of the state was wrong)
			for _, c := range []struct {
				text string
				pass bool
				role string
				what string
			}{
				{"dave 90", false, "", "dave's revocation (20 s) from before the kill"},
				{"erin 90", true, "member", "erin's tombstone (35 s) from before the kill"},
				{"hank 40", true, "member", "hank's out-of-order tombstone (35 s, published after his 45 s version)"},
				{"hank 90", true, "admin", "hank's version of 45 s"},
				{"frank 65", true, "member", "frank's stale update (60 s) published before the kill"},
				{"frank 72", true, "member", "frank's stale update (70 s) published after the restart"},
				{"frank 90", true, "vip", "frank's version of 80 s"},
				{"gina 90", false, "", "gina's revocation (75 s) published after the restart"},
				{"carol 90", true, "moderator", "carol's role from before the job started"},
			} {
				rs := all[c.text]
				switch {
				case !c.pass && len(rs) > 0:
					t.Errorf("%s lost after the restart: %q came out", c.what, c.text)
				case c.pass && len(rs) == 0:
					t.Errorf("%s: %q never came out", c.what, c.text)
				case c.pass && rs[0]["role"] != c.role:
					t.Errorf("%s: %q has role %v, want %s", c.what, c.text, rs[0]["role"], c.role)
				}
			}
			t.Logf("%d permitted and %d forbidden messages; killed after %d out; %d out in all, %d distinct; %d duplicates (at-least-once replay), %d lost",
				len(want), len(forbidden), killedAfter, total, len(all), dups, lost)
		})
	}
}

// writerFunc is an io.Writer.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

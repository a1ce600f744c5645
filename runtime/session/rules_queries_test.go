package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// rulesEnv runs one queries/rules_*.sql file with this test's topics.
type rulesEnv struct {
	brokers string
	topics  map[string]string // shipped topic name -> this test's topic
	group   string
	llm     *llmtest.Server
}

func newRulesEnv(t *testing.T, brokers string, names ...string) *rulesEnv {
	e := &rulesEnv{brokers: brokers, topics: map[string]string{}, group: kafkatest.Topic(t, "g")}
	for _, n := range append([]string{"websocket_fanout", "chat_dead_letter"}, names...) {
		e.topics[n] = kafkatest.Topic(t, n)
		kafkatest.CreateTopic(t, brokers, e.topics[n], 1)
	}
	return e
}

func (e *rulesEnv) topic(name string) string { return e.topics[name] }

// start runs the shipped file (topics and group replaced) in a session on
// dataDir.
func (e *rulesEnv) start(t *testing.T, file, dataDir string) *Session {
	t.Helper()
	b, err := os.ReadFile("../../queries/" + file)
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for from, to := range e.topics {
		script = strings.ReplaceAll(script, "'"+from+"'", "'"+to+"'")
	}
	script = strings.ReplaceAll(script, "'properties.group.id' = 'rules-", "'properties.group.id' = '"+e.group+"-")
	settings := map[string]string{"kafka.brokers": e.brokers, "execution.checkpointing.interval": "300 ms"}
	if e.llm != nil {
		settings[udf.SettingTranslationBaseURL] = e.llm.URL()
		settings[udf.SettingTranslationAPIKey] = "test-key"
		settings[udf.SettingTranslationTimeout] = "2 s"
	}
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecScript(context.Background(), file, script); err != nil {
		s.Close()
		t.Fatal(diag.FormatError(err))
	}
	return s
}

// rule produces one record keyed by key (a tombstone when value is nil),
// with its record timestamp at script second sec (0: now).
func (e *rulesEnv) rule(t *testing.T, table, key string, value map[string]any, sec int64) {
	t.Helper()
	rec := &kgo.Record{Topic: e.topic(table), Key: []byte(key)}
	if value != nil {
		rec.Value, _ = json.Marshal(value)
	}
	if sec != 0 {
		rec.Timestamp = time.Unix(1704067200+sec, 0)
	}
	kafkatest.Produce(t, e.brokers, rec)
}

func (e *rulesEnv) message(t *testing.T, user, text string, sec int64, extra ...string) {
	t.Helper()
	m := map[string]any{"username": user, "text": text, "type": "USER_MESSAGE", "preferredLanguage": "es", "timestamp": 1704067200 + sec}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	b, _ := json.Marshal(m)
	kafkatest.ProduceValues(t, e.brokers, e.topic("websocket_fanout"), string(b))
}

func decodeMaps(t *testing.T, recs []*kgo.Record) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Value, &out[i]); err != nil {
			t.Fatalf("output is not JSON: %s", r.Value)
		}
	}
	return out
}

// waitFor consumes topic until pred holds for the records read so far.
func waitFor(t *testing.T, brokers, topic string, timeout time.Duration, pred func([]map[string]any) bool) []map[string]any {
	t.Helper()
	cl := kafkatest.Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var got []map[string]any
	for !pred(got) {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("timed out after %s waiting on %s; %d records: %v", timeout, topic, len(got), got)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, decodeMaps(t, []*kgo.Record{r})...) })
	}
	return got
}

func byText(rs []map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, r := range rs {
		if s, ok := r["text"].(string); ok {
			m[s] = r
		}
	}
	return m
}

// TestRulesModeration: queries/rules_moderation.sql on both brokers. Rules
// present at the start apply to the first message (the table is loaded
// first); a rule published while the job runs applies from the next
// messages on, never to an earlier one again after it took effect (the test
// reports the delay); a tombstone lifts a ban.
func TestRulesModeration(t *testing.T) {
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newRulesEnv(t, brokers(t), "moderation_rules", "moderated_messages")
			e.rule(t, "moderation_rules", "spam", map[string]any{"word": "spam", "action": "block"}, 0)
			e.rule(t, "moderation_rules", "darn", map[string]any{"word": "darn", "action": "mask"}, 0)
			e.rule(t, "moderation_rules", "crypto", map[string]any{"word": "crypto", "action": "flag"}, 0)
			e.rule(t, "moderation_rules", "heck", map[string]any{"word": "heck", "action": "flag"}, 0)
			e.rule(t, "moderation_rules", "heck", nil, 0) // lifted before the job starts
			e.message(t, "alice", "hello all", 1)
			e.message(t, "dave", "this is SPAM", 2)
			e.message(t, "bob", "Darn it", 3)
			e.message(t, "carol", "buy crypto now", 4)
			e.message(t, "erin", "what the heck", 5)
			s := e.start(t, "rules_moderation.sql", t.TempDir())
			defer s.Close()
			out := e.topic("moderated_messages")
			got := byText(waitFor(t, e.brokers, out, 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= 4 }))
			want := map[string]bool{"hello all": false, "**** it": false, "buy crypto now": true, "what the heck": false}
			for text, flagged := range want {
				r, ok := got[text]
				if !ok {
					t.Errorf("no output %q; got %v", text, got)
					continue
				}
				if r["flagged"] != flagged {
					t.Errorf("%q: flagged = %v, want %v", text, r["flagged"], flagged)
				}
			}
			for text := range got {
				if strings.Contains(strings.ToLower(text), "spam") {
					t.Errorf("blocked message came through: %q", text)
				}
			}

			// Live: block "scam" while messages keep coming.
			published := time.Now()
			e.rule(t, "moderation_rules", "scam", map[string]any{"word": "scam", "action": "block"}, 0)
			var sent []string
			deadline := time.Now().Add(20 * time.Second)
			var effect time.Duration
			for i := 0; time.Now().Before(deadline); i++ {
				text := fmt.Sprintf("no scam here %d", i)
				marker := fmt.Sprintf("marker %d", i)
				e.message(t, "zed", text, 10+int64(i))
				e.message(t, "zed", marker, 10+int64(i))
				sent = append(sent, text)
				rs := waitFor(t, e.brokers, out, 10*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)[marker]; return ok })
				if _, through := byText(rs)[text]; !through {
					effect = time.Since(published)
					// every later message is blocked too
					for k := i + 1; k < i+5; k++ {
						e.message(t, "zed", fmt.Sprintf("no scam here %d", k), 10+int64(k))
					}
					e.message(t, "zed", "final marker", 100)
					rs = waitFor(t, e.brokers, out, 10*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)["final marker"]; return ok })
					for k := i; k < i+5; k++ {
						if _, ok := byText(rs)[fmt.Sprintf("no scam here %d", k)]; ok {
							t.Errorf("message %d passed after the rule had taken effect", k)
						}
					}
					break
				}
			}
			if effect == 0 {
				t.Fatalf("the rule published at %s never took effect (%d messages sent)", published.Format(time.RFC3339Nano), len(sent))
			}
			t.Logf("a block rule published while the job runs took effect after %s (%d messages passed before it)", effect.Round(time.Millisecond), len(sent)-1)

			// Lift the ban: a tombstone.
			e.rule(t, "moderation_rules", "scam", nil, 0)
			deadline = time.Now().Add(20 * time.Second)
			for i := 0; ; i++ {
				if time.Now().After(deadline) {
					t.Fatal("the tombstone never lifted the ban")
				}
				text := fmt.Sprintf("a scam again %d", i)
				e.message(t, "zed", text, 200+int64(i))
				e.message(t, "zed", "lift marker "+fmt.Sprint(i), 200+int64(i))
				rs := waitFor(t, e.brokers, out, 10*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)["lift marker "+fmt.Sprint(i)]; return ok })
				if _, ok := byText(rs)[text]; ok {
					break
				}
			}
		})
	}
}

// TestRulesPermissionsEventTime: queries/rules_permissions.sql. A
// revocation valid from script second 10 drops dave's messages written at
// or after 10 s — also those that arrive before the revocation was
// published — and lets through those written before, even one that arrives
// after it. A stale update (older changed_at) arriving late is ignored; a
// restart from the checkpoint keeps the table; a tombstone valid from 30 s
// restores the default.
func TestRulesPermissionsEventTime(t *testing.T) {
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newRulesEnv(t, brokers(t), "user_permissions", "permitted_messages")
			perm := func(user, role string, canPost bool, sec int64) map[string]any {
				return map[string]any{"username": user, "role": role, "can_post": canPost, "changed_at": (1704067200 + sec) * 1000}
			}
			e.rule(t, "user_permissions", "carol", perm("carol", "moderator", true, 0), 0)
			dataDir := t.TempDir()
			s := e.start(t, "rules_permissions.sql", dataDir)
			for sec := int64(1); sec <= 12; sec++ {
				e.message(t, "dave", fmt.Sprintf("dave %d", sec), sec)
			}
			e.message(t, "carol", "carol 12", 12)
			// published after dave's messages up to 12 s arrived; the
			// watermark is then at 7 s, so 10..12 are still held
			e.rule(t, "user_permissions", "dave", perm("dave", "member", false, 10), 0)
			time.Sleep(time.Second)
			e.message(t, "dave", "dave 8 (late)", 8) // written before the revocation, arrives after it
			// a stale update: changed at 9 s, arrives after the 10 s revocation
			e.rule(t, "user_permissions", "dave", perm("dave", "member", true, 9), 0)
			for sec := int64(13); sec <= 20; sec++ {
				e.message(t, "dave", fmt.Sprintf("dave %d", sec), sec)
			}
			e.message(t, "zed", "marker 20", 20)
			e.message(t, "zed", "tick 26", 26) // moves the watermark past 20
			out := e.topic("permitted_messages")
			rs := waitFor(t, e.brokers, out, 30*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)["marker 20"]; return ok })
			got := byText(rs)
			for sec := 1; sec <= 20; sec++ {
				_, ok := got[fmt.Sprintf("dave %d", sec)]
				if want := sec < 10; ok != want {
					t.Errorf("dave's message at %d s: passed = %v, want %v (revoked from 10 s)", sec, ok, want)
				}
			}
			if _, ok := got["dave 8 (late)"]; !ok {
				t.Error("dave's message written at 8 s but arriving after the revocation was dropped")
			}
			if r := got["carol 12"]; r == nil || r["role"] != "moderator" {
				t.Errorf("carol's message: %v, want role moderator", r)
			}
			if r := got["dave 1"]; r == nil || r["role"] != "member" {
				t.Errorf("dave 1: %v, want role member", r)
			}

			// Restart from the checkpoint; then a tombstone valid from 30 s.
			time.Sleep(700 * time.Millisecond) // a checkpoint (300 ms) after the table changed
			if err := s.StopJobs(context.Background()); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = e.start(t, "rules_permissions.sql", dataDir)
			defer s.Close()
			e.message(t, "dave", "dave 27", 27) // still revoked (the restored table)
			e.rule(t, "user_permissions", "dave", nil, 30)
			time.Sleep(time.Second)
			e.message(t, "dave", "dave 31", 31)
			e.message(t, "zed", "marker 31", 31)
			e.message(t, "zed", "tick 40", 40)
			rs = waitFor(t, e.brokers, out, 30*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)["marker 31"]; return ok })
			got = byText(rs)
			if _, ok := got["dave 27"]; ok {
				t.Error("dave 27 passed after the restart: the revocation was lost")
			}
			if _, ok := got["dave 31"]; !ok {
				t.Error("dave 31 dropped: the tombstone (valid from 30 s) did not restore the default")
			}
		})
	}
}

// TestRulesTranslationModels: queries/rules_translation_models.sql with the
// fake LLM: TRANSLATE asks the model the table names for the reader's
// language, the default model where it names none, and a mapping published
// while the job runs switches the model for the following messages.
func TestRulesTranslationModels(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newRulesEnv(t, brokers(t), "translation_models", "processing_fanout")
			e.llm = llm
			e.rule(t, "translation_models", "es", map[string]any{"language": "es", "model": "model-es"}, 0)
			e.message(t, "alice", "good morning", 1)
			e.message(t, "bob", "good night", 2, "preferredLanguage", "fr")
			s := e.start(t, "rules_translation_models.sql", t.TempDir())
			defer s.Close()
			out := e.topic("processing_fanout")
			got := byText(waitFor(t, e.brokers, out, 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= 2 }))
			if r := got["good morning"]; r == nil || r["model"] != "model-es" || r["translated"] == nil {
				t.Errorf("es message: %v, want model model-es and a translation", r)
			}
			if r := got["good night"]; r == nil || r["model"] != nil || r["translated"] == nil {
				t.Errorf("fr message: %v, want no model from the table (the default) and a translation", r)
			}
			models := map[string]bool{}
			for _, q := range llm.Requests() {
				models[q.Model] = true
			}
			if !models["model-es"] {
				t.Errorf("the LLM was never asked for model-es: %v", models)
			}
			e.rule(t, "translation_models", "fr", map[string]any{"language": "fr", "model": "model-fr"}, 0)
			deadline := time.Now().Add(20 * time.Second)
			for i := 0; ; i++ {
				if time.Now().After(deadline) {
					t.Fatal("the new mapping never took effect")
				}
				text := fmt.Sprintf("hello number %d", i)
				e.message(t, "bob", text, 10+int64(i), "preferredLanguage", "fr")
				rs := waitFor(t, e.brokers, out, 10*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)[text]; return ok })
				if byText(rs)[text]["model"] == "model-fr" {
					break
				}
			}
		})
	}
}

// TestRulesFeatureFlags: queries/rules_feature_flags.sql: a tenant with
// translation off gets no translation (and costs no LLM call), one with
// moderation on gets banned words masked, and flipping a flag takes effect
// for the following messages.
func TestRulesFeatureFlags(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newRulesEnv(t, brokers(t), "feature_flags", "moderation_rules", "processing_fanout")
			e.llm = llm
			e.rule(t, "feature_flags", "acme", map[string]any{"tenant": "acme", "translation": false, "moderation": true}, 0)
			e.rule(t, "moderation_rules", "darn", map[string]any{"word": "darn", "action": "mask"}, 0)
			e.message(t, "alice", "darn acme", 1, "tenant", "acme")
			e.message(t, "bob", "darn default", 2)
			s := e.start(t, "rules_feature_flags.sql", t.TempDir())
			defer s.Close()
			out := e.topic("processing_fanout")
			rs := waitFor(t, e.brokers, out, 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= 2 })
			var acme, def map[string]any
			for _, r := range rs {
				switch r["tenant"] {
				case "acme":
					acme = r
				case "default":
					def = r
				}
			}
			if acme == nil || acme["text"] != "**** acme" || acme["translated"] != nil {
				t.Errorf("acme: %v, want masked text and no translation", acme)
			}
			if def == nil || def["text"] != "darn default" || def["translated"] == nil {
				t.Errorf("default tenant: %v, want the text unmasked and translated", def)
			}
			if n := llm.TextCalls("es", "darn acme"); n != 0 {
				t.Errorf("the LLM was asked %d times for a tenant with translation off", n)
			}
			e.rule(t, "feature_flags", "acme", map[string]any{"tenant": "acme", "translation": true, "moderation": false}, 0)
			deadline := time.Now().Add(20 * time.Second)
			for i := 0; ; i++ {
				if time.Now().After(deadline) {
					t.Fatal("the flipped flags never took effect")
				}
				text := fmt.Sprintf("darn %d", i)
				e.message(t, "alice", text, 10+int64(i), "tenant", "acme")
				rs := waitFor(t, e.brokers, out, 10*time.Second, func(rs []map[string]any) bool {
					for _, r := range rs {
						if r["username"] == "alice" && r["timestamp"] == float64(1704067200+10+int64(i)) {
							return true
						}
					}
					return false
				})
				last := rs[len(rs)-1]
				for _, r := range rs {
					if r["timestamp"] == float64(1704067200+10+int64(i)) {
						last = r
					}
				}
				if last["text"] == text && last["translated"] != nil {
					break
				}
			}
		})
	}
}

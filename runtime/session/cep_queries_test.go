package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/types"
)

// chatScript is a scripted chat session (seconds after 2024-01-01 00:00:00
// UTC) with exactly one spam burst, one engagement, one completed
// conversation and two abandoned visits; see the expected alerts below.
var chatScript = []struct {
	t               int64
	user, typ, text string
}{
	{0, "alice", "USER_JOINED", "joined"},
	{1, "bob", "USER_JOINED", "joined"}, // bob never writes: abandoned at 1 + 120 s
	{5, "alice", "USER_MESSAGE", "how do I reset my password?"},
	{8, "carol", "USER_MESSAGE", "go to settings, then security"},
	{10, "alice", "USER_MESSAGE", "thanks carol!"}, // alice: joined, asked, answered, thanked
	{20, "dave", "USER_MESSAGE", "buy cheap coins"},
	{21, "dave", "USER_MESSAGE", "buy cheap coins now"},
	{22, "dave", "USER_MESSAGE", "cheap coins here"},
	{23, "dave", "USER_MESSAGE", "best coins"},
	{24, "dave", "USER_MESSAGE", "coins coins"},
	{25, "dave", "USER_MESSAGE", "last chance"}, // 6 messages in 6 s: spam
	{40, "dave", "USER_MESSAGE", "ok bye"},
	{60, "erin", "USER_MESSAGE", "what time is the stream?"},
	{62, "frank", "USER_MESSAGE", "at 8pm"}, // then 38 s of silence: complete
	{100, "ivan", "USER_MESSAGE", "hello"},
	{200, "gina", "USER_JOINED", "joined"},
	{210, "gina", "USER_MESSAGE", "hi all"},
	{300, "hank", "USER_JOINED", "joined"},
	{310, "hank", "USER_LEFT", "left"}, // hank leaves without a word: abandoned at 300 + 120 s
	{1000, "zed", "USER_MESSAGE", "anyone?"},
}

func scriptTime(sec int64) string {
	return types.NewTimestampLTZ((1704067200 + sec) * 1_000_000).String()
}

// TestCEPQueriesOnScriptedChat runs the four queries/cep_*.sql files on
// the scripted session, against kfake and the real broker, and checks that
// each gives exactly its expected alerts — the abandonment alerts come from
// the watermark passing joined time + 2 minutes, not from a later row of
// the user.
func TestCEPQueriesOnScriptedChat(t *testing.T) {
	expected := map[string][]map[string]any{
		"cep_spam.sql": {{"alert": "SPAM", "username": "dave", "first_at": scriptTime(20), "last_at": scriptTime(25), "messages": 6.0}},
		"cep_engagement.sql": {{"alert": "ENGAGED", "username": "alice", "joined_at": scriptTime(0),
			"question": "how do I reset my password?", "answered_by": "carol", "thanked_at": scriptTime(10)}},
		"cep_abandonment.sql": {
			{"alert": "ABANDONED", "username": "bob", "joined_at": scriptTime(1)},
			{"alert": "ABANDONED", "username": "hank", "joined_at": scriptTime(300)},
		},
		"cep_conversation_completion.sql": {{"alert": "CONVERSATION_COMPLETE", "asked_by": "erin", "question": "what time is the stream?",
			"answered_by": "frank", "answer": "at 8pm", "answered_at": scriptTime(62)}},
	}
	files := make([]string, 0, len(expected))
	for f := range expected {
		files = append(files, f)
	}
	sort.Strings(files)
	runs := map[string]bool{}
	for name := range pipelineBrokers(t) {
		runs[name] = false
	}
	// out of order within the watermark bound (5 s): the same alerts
	runs["kfake-out-of-order"] = true
	for name, disordered := range runs {
		brokers := pipelineBrokers(t)[strings.TrimSuffix(name, "-out-of-order")]
		t.Run(name, func(t *testing.T) {
			for _, file := range files {
				t.Run(strings.TrimSuffix(file, ".sql"), func(t *testing.T) {
					br := brokers(t)
					in, alerts, dlq := kafkatest.Topic(t, "websocket_fanout"), kafkatest.Topic(t, "chat_alerts"), kafkatest.Topic(t, "chat_dead_letter")
					for _, tp := range []string{in, alerts, dlq} {
						kafkatest.CreateTopic(t, br, tp, 1)
					}
					var records []string
					for _, m := range chatScript {
						records = append(records, seedRecord(m.user, m.text, m.typ, "en", 1704067200+m.t))
					}
					if disordered {
						records = disorder(records)
					}
					kafkatest.ProduceValues(t, br, in, records...)
					b, err := os.ReadFile("../../queries/" + file)
					if err != nil {
						t.Fatal(err)
					}
					script := string(b)
					for from, to := range map[string]string{"'websocket_fanout'": in, "'chat_alerts'": alerts, "'chat_dead_letter'": dlq} {
						script = strings.ReplaceAll(script, from, "'"+to+"'")
					}
					script = strings.ReplaceAll(script, "'properties.group.id' = 'cep-", "'properties.group.id' = '"+kafkatest.Topic(t, "g")+"-")
					s, err := New(Config{DataDir: t.TempDir(), Logf: t.Logf, Settings: map[string]string{"kafka.brokers": br}})
					if err != nil {
						t.Fatal(err)
					}
					defer s.Close()
					if _, err := s.ExecScript(context.Background(), file, script); err != nil {
						t.Fatal(diag.FormatError(err))
					}
					want := expected[file]
					recs := kafkatest.Consume(t, br, alerts, len(want), 30*time.Second)
					var got []map[string]any
					for _, r := range recs {
						var m map[string]any
						if err := json.Unmarshal(r.Value, &m); err != nil {
							t.Fatalf("alert is not JSON: %s", r.Value)
						}
						got = append(got, m)
					}
					// nothing more arrives
					if all := kafkatest.ConsumeFor(t, br, alerts, time.Second); len(all) != len(want) {
						t.Errorf("%d alerts in all, want %d", len(all), len(want))
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("alerts\n got %v\nwant %v", got, want)
					}
				})
			}
		})
	}
}

// disorder swaps neighbouring records whose event times are at most 4 s
// apart (the queries' watermarks allow 5 s): no record is late, but the
// arrival order is not event-time order.
func disorder(records []string) []string {
	out := append([]string(nil), records...)
	ts := func(r string) int64 {
		var m struct {
			T int64 `json:"timestamp"`
		}
		json.Unmarshal([]byte(r), &m)
		return m.T
	}
	swapped := 0
	for i := 0; i+1 < len(out); i += 2 {
		if d := ts(out[i+1]) - ts(out[i]); d > 0 && d <= 4 {
			out[i], out[i+1] = out[i+1], out[i]
			swapped++
		}
	}
	if swapped == 0 {
		panic("disorder swapped nothing")
	}
	return out
}

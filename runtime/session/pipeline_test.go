package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/chatsql/chatsql/connectors/kafka"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// pipelineEnv runs queries/chat_pipeline.sql against a broker and a fake
// LLM, on topics of its own.
type pipelineEnv struct {
	brokers          string
	in, out, dlq     string
	group            string
	llm              *llmtest.Server
	llmURL           string // the fake LLM's URL when it runs in another process
	logf             func(format string, args ...any)
	session          *Session
	extraSettingsSQL string
}

func newPipelineEnv(t *testing.T, brokers string, llm *llmtest.Server) *pipelineEnv {
	e := &pipelineEnv{brokers: brokers, llm: llm,
		in: kafkatest.Topic(t, "websocket_fanout"), out: kafkatest.Topic(t, "processing_fanout"),
		dlq: kafkatest.Topic(t, "chat_dead_letter"), group: kafkatest.Topic(t, "chat-pipeline")}
	for _, tp := range []string{e.in, e.out, e.dlq} {
		kafkatest.CreateTopic(t, brokers, tp, 1)
	}
	return e
}

// script is the shipped query file with this test's topics and group.
func (e *pipelineEnv) script(t *testing.T) string {
	b, err := os.ReadFile("../../queries/chat_pipeline.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = strings.ReplaceAll(s, "'websocket_fanout'", "'"+e.in+"'")
	s = strings.ReplaceAll(s, "'processing_fanout'", "'"+e.out+"'")
	s = strings.ReplaceAll(s, "'chat_dead_letter'", "'"+e.dlq+"'")
	s = strings.ReplaceAll(s, "'chat-pipeline'", "'"+e.group+"'")
	return e.extraSettingsSQL + s
}

func (e *pipelineEnv) start(t *testing.T, dataDir string) *Session {
	t.Helper()
	if e.llmURL == "" {
		e.llmURL = e.llm.URL()
	}
	if e.logf == nil {
		e.logf = t.Logf
	}
	s, err := New(Config{DataDir: dataDir, Logf: e.logf, Settings: map[string]string{
		"kafka.brokers":                      e.brokers,
		udf.SettingTranslationBaseURL:        e.llmURL,
		udf.SettingTranslationAPIKey:         "test-key",
		udf.SettingTranslationTimeout:        "2 s",
		udf.SettingTranslationInitialBackoff: "20 ms",
		udf.SettingTranslationMaxBackoff:     "200 ms",
		"execution.checkpointing.interval":   "500 ms",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecScript(context.Background(), "chat_pipeline.sql", e.script(t)); err != nil {
		t.Fatal(diag.FormatError(err))
	}
	e.session = s
	return s
}

type outRecord struct {
	Type      string `json:"type"`
	Timestamp int64  `json:"timestamp"`
	Payload   struct {
		ID         string  `json:"id"`
		Username   string  `json:"username"`
		Text       string  `json:"text"`
		Translated *string `json:"translated"`
		Language   string  `json:"language"`
	} `json:"payload"`
}

func decodeOut(t *testing.T, recs []*kgo.Record) []outRecord {
	t.Helper()
	out := make([]outRecord, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Value, &out[i]); err != nil {
			t.Fatalf("output record %d is not JSON: %v: %s", i, err, r.Value)
		}
	}
	return out
}

func seedRecord(user, text, typ, lang string, ts int64) string {
	b, _ := json.Marshal(map[string]any{"username": user, "text": text, "type": typ, "preferredLanguage": lang, "timestamp": ts})
	return string(b)
}

func expectedID(topic string, partition int32, offset int64) string {
	return "msg-" + udf.UUIDv5([]byte(fmt.Sprintf("%s\x00%d\x00%d", topic, partition, offset)))
}

// pipelineBrokers gives the kfake broker, and the real one when configured.
func pipelineBrokers(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"kfake":  func(t *testing.T) string { return kafkatest.NewKfake(t) },
		"broker": func(t *testing.T) string { return kafkatest.Brokers(t) },
	}
}

// TestChatPipelineSeedFormat: seed-format records produced by an ordinary
// client come out on processing_fanout in the seed's output format, field
// by field, translated by the fake OpenAI-compatible server.
func TestChatPipelineSeedFormat(t *testing.T) {
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			llm := llmtest.New()
			defer llm.Close()
			env := newPipelineEnv(t, brokers(t), llm)
			inputs := []string{
				`{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}`,
				seedRecord("bob", "good morning", "USER_MESSAGE", "fr", 1704067201),
				seedRecord("carol", "thanks!", "USER_MESSAGE", "de", 1704067202),
			}
			kafkatest.ProduceValues(t, env.brokers, env.in, inputs...)
			s := env.start(t, t.TempDir())
			defer s.Close()
			recs := kafkatest.Consume(t, env.brokers, env.out, len(inputs), 30*time.Second)
			// byte-exact for the seed's example
			want0 := `{"type":"chat_message","timestamp":1704067200,"payload":{"id":"` + expectedID(env.in, 0, 0) +
				`","username":"alice","text":"Hello world!","translated":"¡Hola mundo!","language":"es"}}`
			if string(recs[0].Value) != want0 {
				t.Errorf("record 0:\n got %s\nwant %s", recs[0].Value, want0)
			}
			outs := decodeOut(t, recs)
			for i, o := range outs {
				var in map[string]any
				json.Unmarshal([]byte(inputs[i]), &in)
				if o.Type != "chat_message" || o.Timestamp != int64(in["timestamp"].(float64)) ||
					o.Payload.Username != in["username"] || o.Payload.Text != in["text"] || o.Payload.Language != in["preferredLanguage"] {
					t.Errorf("record %d: %+v from %s", i, o, inputs[i])
				}
				if o.Payload.Translated == nil || *o.Payload.Translated != llm.Translation(o.Payload.Language, o.Payload.Text) {
					t.Errorf("record %d: translated = %v", i, o.Payload.Translated)
				}
				if o.Payload.ID != expectedID(env.in, 0, int64(i)) {
					t.Errorf("record %d: id %s, want %s", i, o.Payload.ID, expectedID(env.in, 0, int64(i)))
				}
			}
		})
	}
}

// TestChatPipelineMalformedRecords: malformed JSON and wrongly typed fields
// among good records: the good ones all arrive, the bad ones are counted and
// land in the dead-letter topic, the job keeps running.
func TestChatPipelineMalformedRecords(t *testing.T) {
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			llm := llmtest.New()
			defer llm.Close()
			env := newPipelineEnv(t, brokers(t), llm)
			var inputs []string
			bad := map[int]bool{}
			for i := 0; i < 30; i++ {
				switch i % 10 {
				case 3:
					inputs = append(inputs, `{"username":"x","text":`) // truncated
					bad[i] = true
				case 6:
					inputs = append(inputs, `{"username":"y","text":"hi","timestamp":"not a number"}`) // wrong type
					bad[i] = true
				case 8:
					inputs = append(inputs, `not json at all`)
					bad[i] = true
				default:
					inputs = append(inputs, seedRecord(fmt.Sprintf("u%d", i), fmt.Sprintf("message %d", i), "USER_MESSAGE", "es", 1704067200+int64(i)))
				}
			}
			kafkatest.ProduceValues(t, env.brokers, env.in, inputs...)
			s := env.start(t, t.TempDir())
			defer s.Close()
			good := len(inputs) - len(bad)
			outs := decodeOut(t, kafkatest.Consume(t, env.brokers, env.out, good, 30*time.Second))
			j := 0
			for i, in := range inputs {
				if bad[i] {
					continue
				}
				var m map[string]any
				json.Unmarshal([]byte(in), &m)
				if outs[j].Payload.Text != m["text"] || outs[j].Payload.ID != expectedID(env.in, 0, int64(i)) {
					t.Errorf("output %d = %+v, want input %d", j, outs[j].Payload, i)
				}
				j++
			}
			dl := kafkatest.Consume(t, env.brokers, env.dlq, len(bad), 30*time.Second)
			for _, r := range dl {
				var off string
				for _, h := range r.Headers {
					if h.Key == "chatsql.source.offset" {
						off = string(h.Value)
					}
				}
				var o int
				fmt.Sscan(off, &o)
				if !bad[o] || string(r.Value) != inputs[o] {
					t.Errorf("dead letter offset %q: %s", off, r.Value)
				}
			}
			// counted, and the job still runs
			deadline := time.Now().Add(10 * time.Second)
			for {
				jobs := s.Jobs()
				if len(jobs) == 1 && jobs[0].Status.DeadLettered == int64(len(bad)) && jobs[0].Status.State == "RUNNING" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("job status %+v", jobs[0].Status)
				}
				time.Sleep(50 * time.Millisecond)
			}
			// more good input after the bad keeps flowing
			kafkatest.ProduceValues(t, env.brokers, env.in, seedRecord("late", "still here", "USER_MESSAGE", "es", 1704067300))
			more := decodeOut(t, kafkatest.Consume(t, env.brokers, env.out, good+1, 30*time.Second))
			if more[good].Payload.Text != "still here" {
				t.Errorf("late record: %+v", more[good])
			}
		})
	}
}

// TestChatPipelineLLMFaults: the LLM answers 429 (with Retry-After), 500
// and hangs: rows still arrive, translated after retries or NULL after the
// last one, in input order.
func TestChatPipelineLLMFaults(t *testing.T) {
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			llm := llmtest.New(llmtest.WithMaxHang(5 * time.Second))
			defer llm.Close()
			// the first calls fail in every way; one row exhausts its retries
			// (a 429, which is retried without counting, then 1 try + 3
			// retries all failing) and gets NULL
			llm.Fail(llmtest.RateLimited(1), llmtest.ServerError(), llmtest.Hang(), llmtest.ServerError(), llmtest.ServerError())
			env := newPipelineEnv(t, brokers(t), llm)
			env.extraSettingsSQL = "SET 'translation.capacity' = '1';\n"
			var inputs []string
			for i := 0; i < 12; i++ {
				inputs = append(inputs, seedRecord(fmt.Sprintf("u%d", i), fmt.Sprintf("line %d", i), "USER_MESSAGE", "es", 1704067200+int64(i)))
			}
			kafkatest.ProduceValues(t, env.brokers, env.in, inputs...)
			s := env.start(t, t.TempDir())
			defer s.Close()
			outs := decodeOut(t, kafkatest.Consume(t, env.brokers, env.out, len(inputs), 60*time.Second))
			nulls := 0
			for i, o := range outs {
				if o.Payload.Text != fmt.Sprintf("line %d", i) {
					t.Errorf("output %d out of order: %+v", i, o.Payload)
				}
				if o.Payload.Translated == nil {
					nulls++
					continue
				}
				if *o.Payload.Translated != llm.Translation("es", o.Payload.Text) {
					t.Errorf("output %d translated %q", i, *o.Payload.Translated)
				}
			}
			// capacity 1: the first row meets all five faults and ends NULL
			if outs[0].Payload.Translated != nil || nulls != 1 {
				t.Errorf("want exactly the first row NULL, got %d NULLs (first: %v)", nulls, outs[0].Payload.Translated)
			}
		})
	}
}

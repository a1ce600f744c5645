package kafka

import (
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/conformance"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// testConformance runs the shared connector suite. One partition keeps the
// order total, so the source is deterministic and the sink reads back in order.
func testConformance(t *testing.T, e env) {
	t.Run("source", func(t *testing.T) {
		topic := kafkatest.Topic(t, "conf-src")
		kafkatest.CreateTopic(t, e.brokers, topic, 1)
		produceSeed(t, e, topic, 0, 200)
		cfg := config(t, e.brokers, true, map[string]string{optTopic: topic, optStartupMode: modeEarliest})
		conformance.RunSource(t, conformance.Source{
			New: func(t *testing.T) runtime.Source {
				src, err := NewSource(cfg)
				if err != nil {
					t.Fatal(err)
				}
				return src
			},
			Rows:          200,
			Deterministic: true,
			Timeout:       20 * time.Second,
		})
	})
	t.Run("sink", func(t *testing.T) {
		topic := kafkatest.Topic(t, "conf-sink")
		kafkatest.CreateTopic(t, e.brokers, topic, 1)
		cfg := config(t, e.brokers, false, map[string]string{optTopic: topic})
		var rows []types.Row
		for i := 0; i < 8; i++ {
			rows = append(rows, types.Row{types.NewString("u"), types.NewString("t"), types.NewString("x"),
				types.NewString("es"), types.NewBigInt(int64(i))})
		}
		conformance.RunSink(t, conformance.Sink{
			New: func(t *testing.T) runtime.Sink {
				sk, err := NewSink(cfg)
				if err != nil {
					t.Fatal(err)
				}
				return sk
			},
			Rows: rows,
			ReadBack: func(t *testing.T) []string {
				var out []string
				for _, r := range kafkatest.ConsumeFor(t, e.brokers, topic, 2*time.Second) {
					out = append(out, string(r.Value))
				}
				return out
			},
			Render: func(r types.Row) string {
				return `{"username":"u","text":"t","type":"x","preferredLanguage":"es","timestamp":` + r[4].String() + `}`
			},
		})
	})
}

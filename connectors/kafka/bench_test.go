package kafka

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// BenchmarkDecodeBatch measures the source's own cost per record (JSON
// decode, metadata, batch assembly) without a broker.
func BenchmarkDecodeBatch(b *testing.B) {
	cfg := config(&testing.T{}, "localhost:1", true, map[string]string{optTopic: "x"})
	s, err := NewSource(cfg)
	if err != nil {
		b.Fatal(err)
	}
	src := s.(*Source)
	src.ids = map[topicPartition]int32{}
	recs := make([]*kgo.Record, 512)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: "x", Offset: int64(i), Value: []byte(seedRecord(i))}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(recs) {
		if bt := src.decodeBatch(context.Background(), topicPartition{"x", 0}, recs); len(bt.Rows) != len(recs) {
			b.Fatal("rows lost")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSourceKfake reads seed records from an in-process broker.
func BenchmarkSourceKfake(b *testing.B) {
	const n = 50000
	brokers := kafkatest.NewKfake(b, "bench")
	vals := make([]string, n)
	for i := range vals {
		vals[i] = seedRecord(i)
	}
	kafkatest.ProduceValues(b, brokers, "bench", vals...)
	cfg := config(&testing.T{}, brokers, true, map[string]string{optTopic: "bench", optStartupMode: modeEarliest})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := NewSource(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Open(context.Background(), (&recorder{}).context(), nil); err != nil {
			b.Fatal(err)
		}
		got := 0
		deadline := time.Now().Add(time.Minute)
		for got < n && time.Now().Before(deadline) {
			bt, err := s.Poll(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if bt != nil {
				got += len(bt.Rows)
			}
		}
		_ = s.Close()
		if got != n {
			b.Fatalf("read %d of %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSinkKfake writes rows to an in-process broker, flushing every
// 10,000 rows as checkpoints would.
func BenchmarkSinkKfake(b *testing.B) {
	brokers := kafkatest.NewKfake(b, "out")
	sk, err := NewSink(config(&testing.T{}, brokers, false, map[string]string{optTopic: "out"}))
	if err != nil {
		b.Fatal(err)
	}
	if err := sk.Open(context.Background(), &runtime.OpContext{}, nil); err != nil {
		b.Fatal(err)
	}
	defer sk.Close()
	rows := make([]types.Row, 512)
	for i := range rows {
		rows[i] = types.Row{types.NewString("user" + strconv.Itoa(i)), types.NewString("Hello world!"),
			types.NewString("USER_JOINED"), types.NewString("es"), types.NewBigInt(1704067200)}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	written := 0
	for written < b.N {
		if err := sk.Write(ctx, &runtime.Batch{Rows: rows}); err != nil {
			b.Fatal(err)
		}
		written += len(rows)
		if written%10240 == 0 {
			if err := sk.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := sk.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "msgs/s")
}

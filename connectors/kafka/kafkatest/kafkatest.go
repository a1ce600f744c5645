// Package kafkatest gives tests a Kafka broker: an in-process kfake cluster
// for unit tests, and the gate for the real broker of the integration tests
// (CHATSQL_KAFKA_BROKERS, started by .ci/kafka.sh), plus small produce and
// consume helpers shared by the connector and end-to-end tests.
package kafkatest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// EnvBrokers names the environment variable that points the integration
// tests at a real broker.
const EnvBrokers = "CHATSQL_KAFKA_BROKERS"

// SkipMessage is what an integration test says when no broker is configured.
const SkipMessage = "real Kafka broker not configured: set " + EnvBrokers + " (.ci/kafka.sh start)"

// Partitions is the partition count of the topics NewKfake creates, the
// same as the CI broker's num.partitions.
const Partitions = 3

// Brokers returns the real broker's bootstrap servers from
// CHATSQL_KAFKA_BROKERS. Unset, the test is skipped — except under CI=true,
// where a skipped integration test would hide a broken CI set-up, so it fails.
func Brokers(t testing.TB) string {
	t.Helper()
	b := strings.TrimSpace(os.Getenv(EnvBrokers))
	if b != "" {
		return b
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(SkipMessage + "; CI=true, so this is a failure: .ci/run must start the broker")
	}
	t.Skip(SkipMessage)
	return ""
}

// NewKfake starts an in-process Kafka-protocol cluster with the given
// topics (Partitions partitions each, more topics auto-created on first
// use) and returns its bootstrap address. It is closed when the test ends.
func NewKfake(t testing.TB, topics ...string) string {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(Partitions)}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(Partitions, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("kafkatest: starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

var topicSeq atomic.Int64

// Topic returns a topic name unique to this test run, so that tests against
// a shared real broker do not see each other's records.
func Topic(t testing.TB, prefix string) string {
	// Kafka topic names allow only [a-zA-Z0-9._-]; subtest names carry
	// '/', '=', spaces and more.
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, t.Name())
	if len(name) > 80 {
		name = name[:80]
	}
	return fmt.Sprintf("%s-%s-%d-%d", prefix, name, time.Now().UnixNano()%1e9, topicSeq.Add(1))
}

// Client returns a franz-go client for brokers with opts, closed at the end
// of the test.
func Client(t testing.TB, brokers string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(brokers, ",")...)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: client for %s: %v", brokers, err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// CreateTopic creates topic with the given partitions (replication 1).
func CreateTopic(t testing.TB, brokers, topic string, partitions int32) {
	t.Helper()
	adm := kadm.NewClient(Client(t, brokers))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("kafkatest: creating topic %s: %v", topic, err)
	}
}

// Produce writes records synchronously, each to the partition its
// Partition field names, and fails the test on any error.
func Produce(t testing.TB, brokers string, recs ...*kgo.Record) {
	t.Helper()
	cl := Client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produce(t, cl, recs)
}

func produce(t testing.TB, cl *kgo.Client, recs []*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("kafkatest: producing %d records: %v", len(recs), err)
	}
}

// ProduceValues writes one record per value (no key) to topic, spread over
// its partitions as an ordinary producer does.
func ProduceValues(t testing.TB, brokers, topic string, values ...string) {
	t.Helper()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Value: []byte(v)}
	}
	produce(t, Client(t, brokers, kgo.RecordPartitioner(kgo.RoundRobinPartitioner())), recs)
}

// Consume reads topic from the beginning until n records arrived or timeout
// passed, and returns what arrived (the caller checks the count).
func Consume(t testing.TB, brokers, topic string, n int, timeout time.Duration) []*kgo.Record {
	t.Helper()
	cl := Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

// ConsumeFor reads topic from the beginning until nothing new arrived for
// quiet, and returns every record read.
func ConsumeFor(t testing.TB, brokers, topic string, quiet time.Duration) []*kgo.Record {
	t.Helper()
	cl := Client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var out []*kgo.Record
	for {
		ctx, cancel := context.WithTimeout(context.Background(), quiet)
		fs := cl.PollFetches(ctx)
		cancel()
		n := len(out)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
		if len(out) == n {
			return out
		}
	}
}

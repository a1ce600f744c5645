package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
)

// Errors of the sink.
var (
	ErrSinkConfig = errors.New("kafka sink")
	// ErrNotSupported is returned for option values that are declared but
	// not implemented yet (exactly-once).
	ErrNotSupported = errors.New("not supported yet")
	// ErrProduce wraps every failed produce: the sink's records since the
	// last checkpoint may be lost, so the job must restart from it.
	ErrProduce = errors.New("kafka sink: produce failed")
)

// maxBufferedRecords bounds the records awaiting acks: Write blocks beyond
// it, which is the sink's backpressure.
const maxBufferedRecords = 10000

// Sink writes rows to a Kafka topic. It implements runtime.Sink.
type Sink struct {
	name      string
	topic     string
	brokers   []string
	guarantee string
	roundRob  bool
	copts     clientOpts
	enc       *rowEncoder

	cl      *kgo.Client
	oc      *runtime.OpContext
	failed  atomic.Bool
	mu      sync.Mutex
	err     error // the first produce error; sticky
	promise func(*kgo.Record, error)
}

var _ runtime.Sink = (*Sink)(nil)

// NewSink builds a Kafka sink from validated options.
func NewSink(cfg connectors.Config) (runtime.Sink, error) {
	s := &Sink{
		name:      cfg.Name,
		topic:     strings.TrimSpace(cfg.Options.Get(optTopic)),
		brokers:   Brokers(cfg),
		guarantee: strings.ToLower(cfg.Options.Get(optDeliveryGuarantee)),
		roundRob:  strings.EqualFold(cfg.Options.Get(optPartitioner), "round-robin"),
	}
	fail := func(err error) error { return fmt.Errorf("%w '%s': %w", ErrSinkConfig, cfg.Name, err) }
	if s.topic == "" || strings.Contains(s.topic, ";") {
		return nil, fail(fmt.Errorf("%w: 'topic' must name exactly one topic", connectors.ErrBadOption))
	}
	if cfg.Options.Get(optTopicPattern) != "" {
		return nil, fail(fmt.Errorf("%w: 'topic-pattern' applies to sources only", connectors.ErrBadOption))
	}
	if s.guarantee == "" {
		s.guarantee = deliveryAtLeastOnce
	}
	if s.guarantee == deliveryExactlyOnce {
		return nil, fail(fmt.Errorf("'sink.delivery-guarantee' = 'exactly-once' is %w; use 'at-least-once' (the default) and de-duplicate downstream by message id", ErrNotSupported))
	}
	var err error
	if s.copts, err = parseProperties(cfg.Options); err != nil {
		return nil, fail(err)
	}
	if s.guarantee == deliveryAtLeastOnce && s.copts.acks != "" && s.copts.acks != "all" && s.copts.acks != "-1" {
		return nil, fail(fmt.Errorf("%w: 'properties.acks' = '%s' contradicts 'sink.delivery-guarantee' = 'at-least-once' (an idempotent producer waits for all in-sync replicas); use 'none' for weaker acks", ErrProperty, s.copts.acks))
	}
	if s.enc, err = newRowEncoder(cfg); err != nil {
		return nil, fail(err)
	}
	return s, nil
}

// Open creates the producer; the sink keeps no state of its own.
func (s *Sink) Open(ctx context.Context, oc *runtime.OpContext, state []byte) error {
	s.oc = oc
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.brokers...),
		kgo.DefaultProduceTopic(s.topic),
		kgo.MaxBufferedRecords(maxBufferedRecords),
		kgo.ProducerLinger(5 * time.Millisecond),
	}
	opts = append(opts, s.copts.common...)
	opts = append(opts, s.copts.producer...)
	if s.roundRob {
		opts = append(opts, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	} else {
		opts = append(opts, kgo.RecordPartitioner(keyOrRoundRobin{}))
	}
	if s.guarantee == deliveryNone {
		acks := kgo.LeaderAck()
		switch s.copts.acks {
		case "0":
			acks = kgo.NoAck()
		case "all", "-1":
			acks = kgo.AllISRAcks()
		}
		opts = append(opts, kgo.RequiredAcks(acks), kgo.DisableIdempotentWrite())
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("%w '%s': connecting to %s: %w", ErrSinkConfig, s.name, strings.Join(s.brokers, ","), err)
	}
	s.cl = cl
	s.promise = s.acked
	return nil
}

// acked runs for every record once the broker answered (or gave up).
func (s *Sink) acked(r *kgo.Record, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = fmt.Errorf("%w: topic '%s' partition %d: %w%s", ErrProduce, r.Topic, r.Partition, err, produceHint(err))
	s.failed.Store(true)
	if s.guarantee == deliveryNone && s.oc != nil && s.oc.Logf != nil {
		s.oc.Logf("kafka sink '%s': %v", s.name, s.err)
	}
}

// produceHint explains the errors users can fix.
func produceHint(err error) string {
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return " (the topic does not exist and the broker does not create topics on first use: create it, or enable auto.create.topics.enable)"
	case errors.Is(err, kerr.TopicAuthorizationFailed):
		return " (the client may not write this topic: check the ACLs of the configured SASL user)"
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return " (the record is larger than the topic's max.message.bytes)"
	}
	return ""
}

func (s *Sink) stickyErr() error {
	if !s.failed.Load() || s.guarantee == deliveryNone {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Write encodes the batch and hands it to the producer; it returns before
// the broker acknowledges (Flush waits), and blocks while the producer's
// buffer is full.
func (s *Sink) Write(ctx context.Context, b *runtime.Batch) error {
	if err := s.stickyErr(); err != nil {
		return err
	}
	for _, row := range b.Rows {
		key, value, err := s.enc.encode(row)
		if err != nil {
			return fmt.Errorf("kafka sink '%s': encoding a row for topic '%s': %w", s.name, s.topic, err)
		}
		s.cl.Produce(ctx, &kgo.Record{Key: key, Value: value}, s.promise)
	}
	return ctx.Err()
}

// Flush waits until every record written so far is acknowledged, and
// returns the first produce error. With 'none' it does not wait.
func (s *Sink) Flush(ctx context.Context) error {
	if s.guarantee == deliveryNone {
		return nil
	}
	if err := s.cl.Flush(ctx); err != nil {
		return fmt.Errorf("kafka sink '%s': waiting for acks from topic '%s': %w", s.name, s.topic, err)
	}
	return s.stickyErr()
}

// Close sends what is buffered (bounded wait) and disconnects.
func (s *Sink) Close() error {
	if s.cl == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.cl.Flush(ctx) // best effort: the runtime flushed at the last checkpoint
	s.cl.Close()
	return nil
}

// keyOrRoundRobin sends keyed records to the partition of the key's murmur2
// hash (as Kafka's Java client does) and the others round-robin.
type keyOrRoundRobin struct{}

func (keyOrRoundRobin) ForTopic(t string) kgo.TopicPartitioner {
	return &keyOrRoundRobinTopic{
		keyed: kgo.StickyKeyPartitioner(nil).ForTopic(t),
		rr:    kgo.RoundRobinPartitioner().ForTopic(t),
	}
}

type keyOrRoundRobinTopic struct {
	keyed kgo.TopicPartitioner
	rr    kgo.TopicPartitioner
}

func (p *keyOrRoundRobinTopic) RequiresConsistency(r *kgo.Record) bool { return r.Key != nil }

func (p *keyOrRoundRobinTopic) Partition(r *kgo.Record, n int) int {
	if r.Key != nil {
		return p.keyed.Partition(r, n)
	}
	return p.rr.Partition(r, n)
}

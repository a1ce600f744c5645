package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// env is a broker the scenarios run against: kfake or the real one.
type env struct {
	brokers string
}

// topic creates a fresh topic with kafkatest.Partitions partitions.
func (e env) topic(t *testing.T, prefix string) string {
	t.Helper()
	name := kafkatest.Topic(t, prefix)
	kafkatest.CreateTopic(t, e.brokers, name, kafkatest.Partitions)
	return name
}

var seedSchema = types.NewSchema(
	types.Column{Name: "username", Type: types.String},
	types.Column{Name: "text", Type: types.String},
	types.Column{Name: "type", Type: types.String},
	types.Column{Name: "preferredLanguage", Type: types.String},
	types.Column{Name: "timestamp", Type: types.BigInt},
)

func seedRecord(i int) string {
	return fmt.Sprintf(`{"username":"user%d","text":"Hello world %d!","type":"USER_JOINED","preferredLanguage":"es","timestamp":%d}`, i, i, 1704067200+i)
}

func config(t *testing.T, brokers string, forSource bool, raw map[string]string) connectors.Config {
	t.Helper()
	spec := Spec()
	all := map[string]string{"connector": "kafka", optBootstrap: brokers}
	for k, v := range raw {
		all[k] = v
	}
	opts, errs := spec.Validate(all, forSource)
	if len(errs) > 0 {
		t.Fatalf("options do not validate: %v", errs)
	}
	return connectors.Config{Name: "t", Options: opts, Schema: seedSchema}
}

// recorder is a SourceContext that remembers what the source reported.
type recorder struct {
	mu    sync.Mutex
	dead  []runtime.DeadLetterRecord
	parts []int32
	lag   map[string]int64
	logs  []string
}

func (r *recorder) context() *runtime.SourceContext {
	r.lag = map[string]int64{}
	return &runtime.SourceContext{
		OpContext: runtime.OpContext{
			JobID: "test", Operator: "0:Source",
			DeadLetter: func(_ context.Context, rec runtime.DeadLetterRecord) {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.dead = append(r.dead, rec)
			},
			Logf: func(format string, args ...any) {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.logs = append(r.logs, fmt.Sprintf(format, args...))
			},
		},
		Partitions: func(ids []int32) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.parts = append([]int32(nil), ids...)
		},
		Lag: func(topic string, p int32, lag int64) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.lag[fmt.Sprintf("%s/%d", topic, p)] = lag
		},
	}
}

func openSource(t *testing.T, cfg connectors.Config, state []byte) (*Source, *recorder) {
	t.Helper()
	src, err := NewSource(cfg)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	rec := &recorder{}
	if err := src.Open(context.Background(), rec.context(), state); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = src.Close() })
	return src.(*Source), rec
}

// pollRows polls until at least n rows arrived or timeout, checking that
// every batch holds one partition's rows.
func pollRows(t *testing.T, src *Source, n int, timeout time.Duration) []types.Row {
	t.Helper()
	var rows []types.Row
	deadline := time.Now().Add(timeout)
	for len(rows) < n && time.Now().Before(deadline) {
		b, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if b == nil {
			continue
		}
		if len(b.Rows) > maxBatchRows {
			t.Fatalf("batch of %d rows exceeds %d", len(b.Rows), maxBatchRows)
		}
		rows = append(rows, b.Rows...)
	}
	return rows
}

// quiet polls for d and fails if any row arrives.
func quiet(t *testing.T, src *Source, d time.Duration) {
	t.Helper()
	if extra := pollRows(t, src, 1, d); len(extra) > 0 {
		t.Fatalf("expected no more rows, got %d, first %v", len(extra), extra[0])
	}
}

func usernames(rows []types.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0].Str()
	}
	sort.Strings(out)
	return out
}

func produceSeed(t *testing.T, e env, topic string, from, to int) {
	t.Helper()
	vals := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		vals = append(vals, seedRecord(i))
	}
	kafkatest.ProduceValues(t, e.brokers, topic, vals...)
}

// scenarios run against kfake in the unit suite and against the real broker
// in the integration suite.
var scenarios = []struct {
	name string
	run  func(t *testing.T, e env)
}{
	{"SeedJSONAndMetadata", testSeedJSONAndMetadata},
	{"DeadLetters", testDeadLetters},
	{"SnapshotRestore", testSnapshotRestore},
	{"GroupOffsets", testGroupOffsets},
	{"StartupModes", testStartupModes},
	{"ExceptKeyFromKey", testExceptKey},
	{"SinkKeysByteExact", testSinkKeys},
	{"SinkFlushSurfacesErrors", testSinkFlushError},
	{"Conformance", testConformance},
	{"GroupSharesPartitions", testGroupShares},
	{"UpsertJSONKey", testUpsertJSONKey},
	{"UpsertRawKey", testUpsertRawKey},
	{"UpsertNoKey", testUpsertNoKey},
	{"UpsertBadKeysDeadLettered", testUpsertBadKeys},
	{"UpsertCaughtUp", testUpsertCaughtUp},
	{"UpsertEmptyTopic", testUpsertEmptyTopic},
	{"UpsertDefaultEarliest", testUpsertDefaultEarliest},
	{"UpsertConformance", testUpsertConformance},
	{"UpsertTransactional", testUpsertTransactional},
	{"UpsertStartModesCatchUp", testUpsertStartModesCatchUp},
}

func TestKfake(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, env{brokers: kafkatest.NewKfake(t)})
		})
	}
}

// TestIntegrationRealKafka runs the same scenarios against a real Apache
// Kafka broker (.ci/kafka.sh start; CHATSQL_KAFKA_BROKERS=localhost:9092).
func TestIntegrationRealKafka(t *testing.T) {
	e := env{brokers: kafkatest.Brokers(t)}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, e)
		})
	}
}

func testSeedJSONAndMetadata(t *testing.T, e env) {
	topic := e.topic(t, "seed")
	before := time.Now().Add(-time.Minute)
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Partition: 0, Key: []byte("k-alice"), Value: []byte(`{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}`)},
	)
	cfg := config(t, e.brokers, true, map[string]string{optTopic: topic, optStartupMode: modeEarliest})
	cfg.Metadata = []connectors.MetadataColumn{
		{Name: "t", Key: metaTopic, Type: types.String},
		{Name: "p", Key: metaPartition, Type: types.Int},
		{Name: "o", Key: metaOffset, Type: types.BigInt},
		{Name: "ts", Key: metaTimestamp, Type: types.TimestampLTZ},
		{Name: "k", Key: metaKey, Type: types.Bytes},
		{Name: "ks", Key: metaKey, Type: types.String},
	}
	src, rec := openSource(t, cfg, nil)
	rows := pollRows(t, src, 1, 20*time.Second)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	r := rows[0]
	want := []types.Value{types.NewString("alice"), types.NewString("Hello world!"), types.NewString("USER_JOINED"),
		types.NewString("es"), types.NewBigInt(1704067200), types.NewString(topic), types.NewInt(0), types.NewBigInt(0)}
	for i, w := range want {
		if r[i].Kind() != w.Kind() || !types.Equal(r[i], w) {
			t.Errorf("column %d = %v (%v), want %v (%v)", i, r[i], r[i].Kind(), w, w.Kind())
		}
	}
	if ts := r[8]; ts.Kind() != types.KindTimestampLTZ || ts.Time().Before(before) || ts.Time().After(time.Now().Add(time.Minute)) {
		t.Errorf("timestamp metadata = %v", ts)
	}
	if r[9].Kind() != types.KindBytes || r[9].Str() != "k-alice" || r[10].Kind() != types.KindString || r[10].Str() != "k-alice" {
		t.Errorf("key metadata = %v / %v", r[9], r[10])
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.parts) != kafkatest.Partitions {
		t.Errorf("Partitions reported %v, want %d partitions", rec.parts, kafkatest.Partitions)
	}
	if lag, ok := rec.lag[topic+"/0"]; !ok || lag != 0 {
		t.Errorf("lag of partition 0 = %d (reported %v), want 0", lag, ok)
	}
}

func testDeadLetters(t *testing.T, e env) {
	topic, dlq := e.topic(t, "in"), e.topic(t, "dlq")
	bad := map[string]bool{
		`{"username":"bad1","text":`:             true, // truncated
		`not json at all`:                        true,
		`{"username":"bad3","timestamp":"soon"}`: true, // wrong type
	}
	var recs []*kgo.Record
	for i := 0; i < 60; i++ {
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(seedRecord(i))})
		if i%20 == 5 {
			for b := range bad {
				recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("key-" + b[:3]), Value: []byte(b)})
			}
		}
	}
	kafkatest.Produce(t, e.brokers, recs...)
	src, rec := openSource(t, config(t, e.brokers, true, map[string]string{optTopic: topic, optDeadLetterTopic: dlq, optStartupMode: modeEarliest}), nil)
	rows := pollRows(t, src, 60, 20*time.Second)
	quiet(t, src, 300*time.Millisecond)
	if len(rows) != 60 {
		t.Fatalf("got %d good rows, want 60", len(rows))
	}
	if _, err := src.Snapshot(context.Background()); err != nil { // flushes the dead letters
		t.Fatalf("Snapshot: %v", err)
	}
	rec.mu.Lock()
	nDead := len(rec.dead)
	for _, d := range rec.dead {
		if d.Topic != topic || d.Err == nil || !bad[string(d.Value)] || !strings.Contains(d.Err.Error(), fmt.Sprintf("offset %d", d.Offset)) {
			t.Errorf("dead letter %+v", d)
		}
	}
	rec.mu.Unlock()
	if nDead != 9 {
		t.Fatalf("%d dead letters reported, want 9", nDead)
	}
	got := kafkatest.Consume(t, e.brokers, dlq, 9, 20*time.Second)
	if len(got) != 9 {
		t.Fatalf("dead-letter topic has %d records, want 9", len(got))
	}
	for _, r := range got {
		h := map[string]string{}
		for _, kv := range r.Headers {
			h[kv.Key] = string(kv.Value)
		}
		if !bad[string(r.Value)] || string(r.Key) != "key-"+string(r.Value)[:3] {
			t.Errorf("dead letter key/value %q/%q", r.Key, r.Value)
		}
		if h[HeaderTopic] != topic || h[HeaderPartition] == "" || h[HeaderOffset] == "" || h[HeaderError] == "" {
			t.Errorf("dead letter headers %v", h)
		}
	}
}

func testSnapshotRestore(t *testing.T, e env) {
	topic := e.topic(t, "snap")
	produceSeed(t, e, topic, 0, 1000)
	cfg := config(t, e.brokers, true, map[string]string{optTopic: topic, optStartupMode: modeEarliest})
	src, _ := openSource(t, cfg, nil)
	first := pollRows(t, src, 400, 20*time.Second)
	if len(first) < 400 {
		t.Fatalf("read %d rows, want at least 400", len(first))
	}
	state, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	_ = src.Close()
	var st sourceState
	if err := json.Unmarshal(state, &st); err != nil || len(st.Offsets[topic]) == 0 {
		t.Fatalf("state %s does not hold offsets: %v", state, err)
	}
	src2, _ := openSource(t, cfg, state)
	rest := pollRows(t, src2, 1000-len(first), 20*time.Second)
	quiet(t, src2, 300*time.Millisecond)
	seen := map[string]int{}
	for _, r := range append(first, rest...) {
		seen[r[0].Str()]++
	}
	for i := 0; i < 1000; i++ {
		if n := seen[fmt.Sprintf("user%d", i)]; n != 1 {
			t.Errorf("user%d read %d times, want exactly once", i, n)
		}
	}
}

func testGroupOffsets(t *testing.T, e env) {
	topic := e.topic(t, "grp")
	group := "g-" + topic
	produceSeed(t, e, topic, 0, 300)
	cfg := config(t, e.brokers, true, map[string]string{optTopic: topic, optGroupID: group})
	src, _ := openSource(t, cfg, nil)
	rows := pollRows(t, src, 300, 30*time.Second)
	if len(rows) != 300 {
		t.Fatalf("first reader got %d rows, want 300", len(rows))
	}
	if _, err := src.Snapshot(context.Background()); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if err := src.CheckpointComplete(context.Background(), 1); err != nil {
		t.Fatalf("CheckpointComplete: %v", err)
	}
	_ = src.Close()
	produceSeed(t, e, topic, 300, 350)
	// A fresh start without state: group-offsets resumes where the last
	// completed checkpoint was committed.
	src2, _ := openSource(t, cfg, nil)
	rows = pollRows(t, src2, 50, 30*time.Second)
	quiet(t, src2, 500*time.Millisecond)
	if len(rows) != 50 {
		t.Fatalf("second reader got %d rows, want the 50 new ones", len(rows))
	}
	for _, u := range usernames(rows) {
		var i int
		if _, err := fmt.Sscanf(u, "user%d", &i); err != nil || i < 300 {
			t.Errorf("second reader re-read %s", u)
		}
	}
}

func testStartupModes(t *testing.T, e env) {
	topic := e.topic(t, "modes")
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Partition: 0, Value: []byte(seedRecord(0))},
		&kgo.Record{Topic: topic, Partition: 0, Value: []byte(seedRecord(1))},
		&kgo.Record{Topic: topic, Partition: 0, Value: []byte(seedRecord(2))},
		&kgo.Record{Topic: topic, Partition: 1, Value: []byte(seedRecord(3))},
	)
	cases := []struct {
		name string
		opts map[string]string
		want []string
	}{
		{"earliest", map[string]string{optStartupMode: modeEarliest}, []string{"user0", "user1", "user2", "user3"}},
		{"specific", map[string]string{optStartupMode: modeSpecific, optStartupOffsets: "partition:0,offset:2;partition:1,offset:1"}, []string{"user2"}},
		{"timestamp-future", map[string]string{optStartupMode: modeTimestamp, optStartupTimestamp: fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())}, nil},
		{"latest", map[string]string{optStartupMode: modeLatest}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts[optTopic] = topic
			src, _ := openSource(t, config(t, e.brokers, true, c.opts), nil)
			rows := pollRows(t, src, len(c.want)+1, 2*time.Second)
			if got := usernames(rows); fmt.Sprint(got) != fmt.Sprint(c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("read %v, want %v", got, c.want)
			}
		})
	}
}

func testExceptKey(t *testing.T, e env) {
	topic := e.topic(t, "key")
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Key: []byte(`{"username":"bob"}`), Value: []byte(`{"text":"hi","type":"T","preferredLanguage":"fr","timestamp":7}`)},
		&kgo.Record{Topic: topic, Value: []byte(`{"text":"no key","type":"T","preferredLanguage":"fr","timestamp":8}`)},
	)
	src, rec := openSource(t, config(t, e.brokers, true, map[string]string{optTopic: topic, optStartupMode: modeEarliest,
		optKeyFields: "username", optValueFieldsInclude: "EXCEPT_KEY"}), nil)
	rows := pollRows(t, src, 1, 20*time.Second)
	quiet(t, src, 300*time.Millisecond)
	if len(rows) != 1 || rows[0][0].Str() != "bob" || rows[0][1].Str() != "hi" || rows[0][4].Int() != 7 {
		t.Fatalf("rows %v, want bob's row with its value fields", rows)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.dead) != 1 || !errors.Is(rec.dead[0].Err, errNullKey) {
		t.Errorf("the keyless record should be dead-lettered for its missing key, got %v", rec.dead)
	}
}

func openSink(t *testing.T, cfg connectors.Config) runtime.Sink {
	t.Helper()
	sk, err := NewSink(cfg)
	if err != nil {
		t.Fatalf("NewSink: %v", err)
	}
	if err := sk.Open(context.Background(), &runtime.OpContext{JobID: "test", Logf: t.Logf}, nil); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = sk.Close() })
	return sk
}

func testSinkKeys(t *testing.T, e env) {
	topic := e.topic(t, "out")
	sk := openSink(t, config(t, e.brokers, false, map[string]string{optTopic: topic, optKeyFields: "username"}))
	row := func(u, text string) types.Row {
		return types.Row{types.NewString(u), types.NewString(text), types.NewString("chat_message"), types.NewString("es"), types.NewBigInt(1704067200)}
	}
	b := &runtime.Batch{Rows: []types.Row{row("alice", "¡Hola mundo!"), row("bob", `quote " and \ slash`), row("alice", "again")}}
	if err := sk.Write(context.Background(), b); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := sk.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	got := kafkatest.Consume(t, e.brokers, topic, 3, 20*time.Second)
	if len(got) != 3 {
		t.Fatalf("consumed %d records, want 3", len(got))
	}
	want := map[string]string{
		`{"username":"alice","text":"¡Hola mundo!","type":"chat_message","preferredLanguage":"es","timestamp":1704067200}`:        `{"username":"alice"}`,
		`{"username":"bob","text":"quote \" and \\ slash","type":"chat_message","preferredLanguage":"es","timestamp":1704067200}`: `{"username":"bob"}`,
		`{"username":"alice","text":"again","type":"chat_message","preferredLanguage":"es","timestamp":1704067200}`:               `{"username":"alice"}`,
	}
	partOf := map[string]int32{}
	for _, r := range got {
		k, ok := want[string(r.Value)]
		if !ok || string(r.Key) != k {
			t.Errorf("record key %s value %s not expected", r.Key, r.Value)
		}
		if p, seen := partOf[string(r.Key)]; seen && p != r.Partition {
			t.Errorf("key %s went to partitions %d and %d", r.Key, p, r.Partition)
		}
		partOf[string(r.Key)] = r.Partition
	}
}

func testSinkFlushError(t *testing.T, e env) {
	// A record above the producer's batch limit (1 MB by default) fails
	// for sure on every broker, real or fake.
	topic := e.topic(t, "big")
	cfg := config(t, e.brokers, false, map[string]string{optTopic: topic, "format": "raw"})
	cfg.Schema = types.NewSchema(types.Column{Name: "v", Type: types.String})
	sk2 := openSink(t, cfg)
	big := strings.Repeat("x", 2<<20)
	if err := sk2.Write(context.Background(), &runtime.Batch{Rows: []types.Row{{types.NewString(big)}}}); err != nil && !errors.Is(err, ErrProduce) {
		t.Fatalf("Write: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := sk2.Flush(ctx)
	if !errors.Is(err, ErrProduce) {
		t.Fatalf("Flush = %v, want an ErrProduce", err)
	}
	if !strings.Contains(err.Error(), topic) {
		t.Errorf("error %q does not name the topic", err)
	}
	// The error is sticky: records may be lost, the job must restart.
	if err := sk2.Write(context.Background(), &runtime.Batch{Rows: []types.Row{{types.NewString("small")}}}); !errors.Is(err, ErrProduce) {
		t.Errorf("Write after a failed produce = %v, want the sticky ErrProduce", err)
	}
}

func TestSinkUnknownTopicError(t *testing.T) {
	// kfake without auto-creation answers UNKNOWN_TOPIC_OR_PARTITION.
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sk := openSink(t, config(t, c.ListenAddrs()[0], false, map[string]string{optTopic: "nope"}))
	row := types.Row{types.NewString("a"), types.NewString("b"), types.NewString("c"), types.NewString("d"), types.NewBigInt(1)}
	_ = sk.Write(context.Background(), &runtime.Batch{Rows: []types.Row{row}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = sk.Flush(ctx)
	if !errors.Is(err, ErrProduce) || !errors.Is(err, kerr.UnknownTopicOrPartition) || !strings.Contains(err.Error(), "create it") {
		t.Fatalf("Flush = %v, want an unknown-topic ErrProduce with a hint", err)
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		name   string
		source bool
		opts   map[string]string
		want   error
	}{
		{"exactly-once", false, map[string]string{optTopic: "x", optDeliveryGuarantee: "exactly-once"}, ErrNotSupported},
		{"unknown property", true, map[string]string{optTopic: "x", "properties.max.poll.recordz": "5"}, ErrProperty},
		{"bad property value", true, map[string]string{optTopic: "x", "properties.auto.offset.reset": "middle"}, ErrProperty},
		{"acks vs at-least-once", false, map[string]string{optTopic: "x", "properties.acks": "1"}, ErrProperty},
		{"unknown key field", false, map[string]string{optTopic: "x", optKeyFields: "usrname"}, ErrKeyFields},
		{"topic and pattern", true, map[string]string{optTopic: "x", optTopicPattern: "y.*"}, ErrSourceConfig},
		{"no topic", true, map[string]string{}, ErrSourceConfig},
		{"timestamp without millis", true, map[string]string{optTopic: "x", optStartupMode: modeTimestamp}, ErrSourceConfig},
		{"bad specific offsets", true, map[string]string{optTopic: "x", optStartupMode: modeSpecific, optStartupOffsets: "partition:0"}, ErrSourceConfig},
		{"raw with many columns", true, map[string]string{optTopic: "x", "format": "raw"}, ErrSourceConfig},
		{"sink with two topics", false, map[string]string{optTopic: "x;y"}, connectors.ErrBadOption},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(t, "localhost:1", c.source, c.opts)
			var err error
			if c.source {
				_, err = NewSource(cfg)
			} else {
				_, err = NewSink(cfg)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

func TestSpecValidation(t *testing.T) {
	c, err := connectors.Default.Lookup("kafka")
	if err != nil {
		t.Fatalf("kafka is not registered: %v", err)
	}
	opts, errs := c.Spec.Validate(map[string]string{"connector": "kafka", "topic": "a", "scan.startup.mode": "EARLIEST-OFFSET", "properties.client.id": "x"}, true)
	if len(errs) > 0 {
		t.Fatalf("valid options rejected: %v", errs)
	}
	if opts.Get("format") != "json" || opts.Get(optDeliveryGuarantee) != deliveryAtLeastOnce || opts.Get(optStartupMode) != modeEarliest {
		t.Errorf("defaults not applied: %v", opts)
	}
	_, errs = c.Spec.Validate(map[string]string{"connector": "kafka", "topic": "a", "scan.startup.mod": "x"}, true)
	if len(errs) != 1 || !strings.Contains(errs[0].Hint, optStartupMode) {
		t.Errorf("typo not caught with a hint: %v", errs)
	}
}

func TestBrokersDefault(t *testing.T) {
	cases := []struct {
		opt, setting, want string
	}{
		{"", "", DefaultBrokers},
		{"", "k1:9092, k2:9092", "k1:9092,k2:9092"},
		{"a:1", "k1:9092", "a:1"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			cfg := connectors.Config{Options: connectors.Options{}, Settings: map[string]string{}}
			if c.opt != "" {
				cfg.Options[optBootstrap] = c.opt
			}
			if c.setting != "" {
				cfg.Settings[SettingBrokers] = c.setting
			}
			if got := strings.Join(Brokers(cfg), ","); got != c.want {
				t.Errorf("Brokers = %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseSpecificOffsets(t *testing.T) {
	cases := []struct {
		in   string
		want map[int32]int64
		ok   bool
	}{
		{"partition:0,offset:42;partition:1,offset:300", map[int32]int64{0: 42, 1: 300}, true},
		{" partition : 2 , offset : 5 ; ", map[int32]int64{2: 5}, true},
		{"partition:0", nil, false},
		{"offset:1,partition:x", nil, false},
		{"", nil, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseSpecificOffsets(c.in)
			if (err == nil) != c.ok || fmt.Sprint(got) != fmt.Sprint(c.want) && c.ok {
				t.Errorf("parseSpecificOffsets(%q) = %v, %v", c.in, got, err)
			}
		})
	}
}

// testGroupShares runs two sources in one group, as two chatsql processes
// would: together they read every record, and the group splits the
// partitions between them.
func testGroupShares(t *testing.T, e env) {
	topic := e.topic(t, "share")
	group := "g-" + topic
	cfg := config(t, e.brokers, true, map[string]string{optTopic: topic, optGroupID: group, optStartupMode: modeEarliest, optAssignment: "group"})
	a, recA := openSource(t, cfg, nil)
	b, recB := openSource(t, cfg, nil)
	produceSeed(t, e, topic, 0, 300)
	seen := map[string]bool{}
	deadline := time.Now().Add(60 * time.Second)
	for len(seen) < 300 && time.Now().Before(deadline) {
		for _, src := range []*Source{a, b} {
			bt, err := src.Poll(context.Background())
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			if bt != nil {
				for _, r := range bt.Rows {
					seen[r[0].Str()] = true
				}
			}
		}
	}
	if len(seen) != 300 {
		t.Fatalf("the group read %d distinct records, want 300", len(seen))
	}
	// Once the group is stable each member owns some partitions, and
	// together all of them.
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, _ = a.Poll(context.Background())
		_, _ = b.Poll(context.Background())
		recA.mu.Lock()
		pa := len(recA.parts)
		recA.mu.Unlock()
		recB.mu.Lock()
		pb := len(recB.parts)
		recB.mu.Unlock()
		if pa > 0 && pb > 0 && pa+pb == kafkatest.Partitions {
			return
		}
	}
	t.Errorf("partitions were not shared: a %v, b %v", recA.parts, recB.parts)
}

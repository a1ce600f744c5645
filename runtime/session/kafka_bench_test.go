package session

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/datagen"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
	"github.com/tidwall/gjson"
	"github.com/twmb/franz-go/pkg/kgo"
)

// realTranslate is TRANSLATE as the udf package registers it.
var realTranslate, _ = udf.Default.Async("TRANSLATE")

// translateFunctions is a function registry for one session (Config.Functions)
// whose TRANSLATE is the real one (calls over HTTP) or, instant, answered
// in-process at once; udf.Default is left alone.
func translateFunctions(tb testing.TB, instant bool) *udf.Registry {
	if realTranslate == nil {
		tb.Fatal("TRANSLATE is not registered")
	}
	r := udf.Default.Clone()
	f := *realTranslate
	if instant {
		f.New = func(udf.Env) (udf.AsyncCaller, error) { return instantCaller{}, nil }
	}
	r.AddAsync(f)
	return r
}

// kafkaRun is one run of queries/chat_pipeline.sql between two topics of a
// broker, with a producer feeding the input and a consumer timing the output.
type kafkaRun struct {
	brokers    string
	instant    bool          // TRANSLATE answered in-process, no HTTP
	llmLatency time.Duration // latency of the fake LLM server (HTTP only)
	capacity   int           // translation.capacity; 0: the default
	rate       float64       // messages/s offered; 0: as fast as the producer can
	n          int           // messages, when rate is 0
	duration   time.Duration // how long to offer rate
}

// kafkaResult are the figures of one run. Latencies are per message: the
// time its output record was consumed minus the time its input record was
// handed to the producer.
type kafkaResult struct {
	produced, consumed int
	offered            float64       // achieved producer rate, messages/s
	elapsed            time.Duration // first produce to last output consumed
	p50, p99, max      time.Duration
	// lag is the input the job has not read yet (produced minus the
	// source's rows in), backlog the messages not out of the pipeline yet
	// (produced minus output consumed); sampled at half time and at the end
	// of the offered load (rate runs only).
	lagMid, lagEnd, backlogMid, backlogEnd int64
	llmMaxInFlight, llmCalls               int
	asyncErrors                            int64 // TRANSLATE calls answered NULL after the last retry
	// machineCPU is the machine's busy share of all cores while the load
	// was offered, processCPU this process's (engine, producer, consumer
	// and fake LLM; the broker is another process), both in cores.
	machineCPU, processCPU float64
}

// cpuTimes returns the machine's busy and total jiffies (/proc/stat) and
// this process's CPU time.
func cpuTimes() (busy, total int64, proc time.Duration) {
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, f := range strings.Fields(line)[1:] {
			v, _ := strconv.ParseInt(f, 10, 64)
			total += v
			if i != 3 && i != 4 { // idle, iowait
				busy += v
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		proc = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return busy, total, proc
}

// warmups is how many messages go through before timing starts: the job is
// running, its Kafka clients are connected and the HTTP pool is warm.
const warmups = 200

func (r kafkaRun) run(b *testing.B) kafkaResult {
	b.Helper()
	llm := llmtest.New(llmtest.WithLatency(r.llmLatency))
	defer llm.Close()

	in, out := kafkatest.Topic(b, "bench-in"), kafkatest.Topic(b, "bench-out")
	dlq, group := kafkatest.Topic(b, "bench-dlq"), kafkatest.Topic(b, "bench-group")
	for _, tp := range []string{in, out, dlq} {
		kafkatest.CreateTopic(b, r.brokers, tp, kafkatest.Partitions)
	}
	script := kafkaScript(b, in, out, dlq, group)
	if r.capacity > 0 {
		script = fmt.Sprintf("SET '%s' = '%d';\n", udf.SettingTranslationCapacity, r.capacity) + script
	}

	total := r.n
	if r.rate > 0 {
		total = int(r.rate*r.duration.Seconds()) + 1
	}
	sentAt := make([]atomic.Int64, total) // unix ns at Produce, by sequence number
	latency := make([]int64, total)       // ns; 0 until the output arrived
	var consumed atomic.Int64
	var lastAt atomic.Int64
	warmSeen := make(chan struct{}, warmups)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The consumer: reads the output topic from the start and times every
	// message by the sequence number the producer put in front of its text.
	consumer := kafkatest.Client(b, r.brokers, kgo.ConsumeTopics(out), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var consumerDone sync.WaitGroup
	consumerDone.Add(1)
	go func() {
		defer consumerDone.Done()
		for ctx.Err() == nil {
			fs := consumer.PollFetches(ctx)
			now := time.Now().UnixNano()
			fs.EachRecord(func(rec *kgo.Record) {
				text := gjson.GetBytes(rec.Value, "payload.text").Str
				seq, ok := strings.CutPrefix(text, "w|")
				if ok {
					select {
					case warmSeen <- struct{}{}:
					default: // a replayed warm-up message
					}
					return
				}
				seq, _, _ = strings.Cut(text, "|")
				i, err := strconv.Atoi(seq)
				if err != nil || i < 0 || i >= total {
					return
				}
				if latency[i] == 0 { // at least once: a replay does not count twice
					latency[i] = max(now-sentAt[i].Load(), 1)
					consumed.Add(1)
					lastAt.Store(now)
				}
			})
		}
	}()
	defer func() { cancel(); consumerDone.Wait() }()

	s, err := New(Config{DataDir: b.TempDir(), Logf: func(f string, a ...any) { b.Logf(f, a...) },
		Functions: translateFunctions(b, r.instant), Settings: map[string]string{
			"kafka.brokers":                      r.brokers,
			udf.SettingTranslationBaseURL:        llm.URL(),
			udf.SettingTranslationAPIKey:         "bench-key",
			udf.SettingTranslationInitialBackoff: "20 ms",
			udf.SettingTranslationMaxBackoff:     "200 ms",
		}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ExecScript(context.Background(), "chat_pipeline.sql", script); err != nil {
		b.Fatal(diag.FormatError(err))
	}

	producer := kafkatest.Client(b, r.brokers, kgo.DefaultProduceTopic(in),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.ProducerLinger(time.Millisecond))
	var produceErr atomic.Value
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			produceErr.CompareAndSwap(nil, err)
		}
	}
	gen := datagen.NewChatGenerator(7)
	record := func(prefix string) *kgo.Record {
		m := gen.Next()
		m.Text = prefix + "|" + m.Text
		return &kgo.Record{Value: m.AppendJSON(make([]byte, 0, 160))}
	}

	// Warm-up, untimed.
	for range warmups {
		producer.Produce(ctx, record("w"), promise)
	}
	warmDeadline := time.After(60 * time.Second)
	for range warmups {
		select {
		case <-warmSeen:
		case <-warmDeadline:
			b.Fatalf("warm-up messages did not come through within 60 s; jobs: %+v", s.Jobs())
		}
	}

	sourceRows := func() int64 {
		for _, j := range s.Jobs() {
			for _, op := range j.Status.Operators {
				if op.Kind == plan.KindSource {
					return op.RowsIn - warmups // rows polled from Kafka
				}
			}
		}
		return 0
	}
	sent := 0
	send := func() {
		sentAt[sent].Store(time.Now().UnixNano())
		producer.Produce(ctx, record(strconv.Itoa(sent)), promise)
		sent++
	}
	var res kafkaResult
	busy0, total0, proc0 := cpuTimes()
	start := time.Now()
	// cpuEnd closes the CPU measurement: at the end of the offered load,
	// or for "as fast as possible" when the last message came out.
	cpuEnd := func(start time.Time) {
		busy1, total1, proc1 := cpuTimes()
		if total1 > total0 {
			res.machineCPU = float64(busy1-busy0) / float64(total1-total0) * float64(goruntime.NumCPU())
		}
		res.processCPU = float64(proc1-proc0) / float64(time.Since(start))
	}
	if r.rate == 0 {
		for sent < total {
			send()
		}
	} else {
		// Paced in 1 ms steps: send what is due by now. A producer that
		// falls behind shows as an offered rate below r.rate.
		mid := false
		next := time.Now()
		for sent < total {
			due := min(total, int(r.rate*time.Since(start).Seconds())+1)
			for sent < due {
				send()
			}
			el := time.Since(start)
			if !mid && el >= r.duration/2 {
				mid = true
				res.lagMid, res.backlogMid = int64(sent)-sourceRows(), int64(sent)-consumed.Load()
				b.Logf("at %v: produced %d, lag %d, backlog %d, llm in flight max %d", el.Round(time.Millisecond),
					sent, res.lagMid, res.backlogMid, llm.MaxInFlight())
			}
			next = next.Add(time.Millisecond)
			time.Sleep(time.Until(next))
		}
		res.lagEnd, res.backlogEnd = int64(sent)-sourceRows(), int64(sent)-consumed.Load()
		cpuEnd(start)
		b.Logf("at %v: produced %d, lag %d, backlog %d", time.Since(start).Round(time.Millisecond), sent, res.lagEnd, res.backlogEnd)
	}
	res.offered = float64(sent) / time.Since(start).Seconds()
	if err := producer.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err, _ := produceErr.Load().(error); err != nil {
		b.Fatalf("producing the input: %v", err)
	}

	deadline := time.Now().Add(120 * time.Second)
	for consumed.Load() < int64(total) {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d messages came out within 120 s of the last produce; jobs: %+v", consumed.Load(), total, s.Jobs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r.rate == 0 {
		cpuEnd(start)
	}
	cancel()
	consumerDone.Wait()

	for _, j := range s.Jobs() {
		for _, op := range j.Status.Operators {
			res.asyncErrors += op.Errors
		}
	}
	res.llmCalls = llm.Calls()
	res.produced, res.consumed = sent, int(consumed.Load())
	res.elapsed = time.Duration(lastAt.Load() - start.UnixNano())
	slices.Sort(latency)
	res.p50 = time.Duration(latency[len(latency)/2])
	res.p99 = time.Duration(latency[len(latency)*99/100])
	res.max = time.Duration(latency[len(latency)-1])
	res.llmMaxInFlight = llm.MaxInFlight()
	return res
}

// kafkaScript is the shipped query file on the given topics and group.
func kafkaScript(b *testing.B, in, out, dlq, group string) string {
	text, err := os.ReadFile("../../queries/chat_pipeline.sql")
	if err != nil {
		b.Fatal(err)
	}
	return strings.NewReplacer("'websocket_fanout'", "'"+in+"'", "'processing_fanout'", "'"+out+"'",
		"'chat_dead_letter'", "'"+dlq+"'", "'chat-pipeline'", "'"+group+"'").Replace(string(text))
}

func (res kafkaResult) log(b *testing.B) {
	b.Logf("%d messages, offered %.0f/s, %.0f msgs/s, p50 %v, p99 %v, max %v; lag %d -> %d, backlog %d -> %d; "+
		"llm calls %d, in flight max %d, NULL after retries %d; cores busy: machine %.2f, this process %.2f",
		res.consumed, res.offered, float64(res.consumed)/res.elapsed.Seconds(),
		res.p50.Round(time.Microsecond), res.p99.Round(time.Microsecond), res.max.Round(time.Microsecond),
		res.lagMid, res.lagEnd, res.backlogMid, res.backlogEnd, res.llmCalls, res.llmMaxInFlight, res.asyncErrors,
		res.machineCPU, res.processCPU)
}

func (res kafkaResult) report(b *testing.B) {
	b.ReportMetric(float64(res.consumed)/res.elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(res.p50)/1e6, "p50-ms")
	b.ReportMetric(float64(res.p99)/1e6, "p99-ms")
	b.ReportMetric(float64(res.max)/1e6, "max-ms")
	b.ReportMetric(0, "ns/op")
}

// kafkaBrokers are the brokers the Kafka benchmarks run against: the real
// one (skipped unless CHATSQL_KAFKA_BROKERS is set) and in-process kfake.
var kafkaBrokers = []struct {
	name string
	get  func(testing.TB) string
}{
	{"broker", kafkatest.Brokers},
	{"kfake", func(t testing.TB) string { return kafkatest.NewKfake(t) }},
}

// BenchmarkKafkaPipeline runs queries/chat_pipeline.sql Kafka -> chatsql ->
// Kafka on loopback. "max" offers 100,000 messages as fast as the producer
// can: msgs/s is the pipeline's throughput (first produce to last output
// consumed) and the latencies include the queueing of that backlog. "paced"
// offers 2,000 messages/s for 10 s, below saturation, so its latencies are
// the pipeline's own. "http" answers TRANSLATE through the fake
// OpenAI-compatible server at once (a real HTTP call per message),
// "instant" in-process (no HTTP), to separate Kafka's cost from the
// client's. Everything — broker, producer, consumer, fake LLM, engine —
// shares the machine's cores.
func BenchmarkKafkaPipeline(b *testing.B) {
	withGCDefaults(b)
	for _, br := range kafkaBrokers {
		b.Run(br.name, func(b *testing.B) {
			brokers := br.get(b)
			for _, llm := range []string{"http", "instant"} {
				b.Run(llm, func(b *testing.B) {
					for _, load := range []struct {
						name string
						run  kafkaRun
					}{
						{"max", kafkaRun{n: 100_000}},
						{"paced", kafkaRun{rate: 2000, duration: 10 * time.Second}},
					} {
						b.Run(load.name, func(b *testing.B) {
							run := load.run
							run.brokers, run.instant = brokers, llm == "instant"
							var res kafkaResult
							for range b.N {
								res = run.run(b)
							}
							res.log(b)
							res.report(b)
						})
					}
				})
			}
		})
	}
}

// BenchmarkKafkaPipelineSlowLLM: 5,000 messages/s offered for 20 s with the
// fake LLM taking 300 ms per call and translation.capacity 2000 (keeping up
// needs 5,000 x 0.3 = 1,500 calls in flight). The job keeps up when lag and
// backlog at the end are no larger than at half time and the p99 stays under
// 1 s. Reported besides msgs/s and latencies: offered-msgs/s (the producer's
// achieved rate), lag-mid/lag-end (input not read by the job yet) and
// backlog-mid/backlog-end (messages not out of the pipeline yet, the ~1,500
// in flight included). CHATSQL_BENCH_RATE (messages/s) and
// CHATSQL_BENCH_DURATION (a Go duration) change the load.
func BenchmarkKafkaPipelineSlowLLM(b *testing.B) {
	withGCDefaults(b)
	for _, br := range kafkaBrokers {
		b.Run(br.name, func(b *testing.B) {
			run := kafkaRun{brokers: br.get(b), llmLatency: 300 * time.Millisecond, capacity: 2000,
				rate: 5000, duration: 20 * time.Second}
			if d, err := time.ParseDuration(os.Getenv("CHATSQL_BENCH_DURATION")); err == nil && d > 0 {
				run.duration = d
			}
			if r, err := strconv.ParseFloat(os.Getenv("CHATSQL_BENCH_RATE"), 64); err == nil && r > 0 {
				run.rate = r
			}
			var res kafkaResult
			for range b.N {
				res = run.run(b)
			}
			res.log(b)
			res.report(b)
			b.ReportMetric(res.offered, "offered-msgs/s")
			b.ReportMetric(float64(res.lagMid), "lag-mid")
			b.ReportMetric(float64(res.lagEnd), "lag-end")
			b.ReportMetric(float64(res.backlogMid), "backlog-mid")
			b.ReportMetric(float64(res.backlogEnd), "backlog-end")
		})
	}
}

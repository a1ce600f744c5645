package main

import (
	"context"
	"fmt"
	"github.com/chatsql/chatsql/udf"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topics of the embedded broker, in one place: the pipeline's input and
// output and its dead-letter topic. Later issues (CEP, rules) add theirs
// here. Other topics are created on first use.
const (
	topicInput      = "websocket_fanout"
	topicOutput     = "processing_fanout"
	topicDeadLetter = "chat_dead_letter"
	topicAlerts     = "chat_alerts" // the alerts of queries/cep_*.sql
	// queries/rules_*.sql: the live reference tables and their outputs
	topicModerationRules = "moderation_rules"
)

var playgroundTopics = []string{topicInput, topicOutput, topicDeadLetter, topicAlerts,
	topicModerationRules, "user_permissions", "translation_models", "feature_flags",
	"moderated_messages", "permitted_messages", "enriched_messages"}

// playgroundRules are moderation_rules records (key = the word) published
// when a playground starts with an empty moderation_rules topic, so that
// queries/rules_moderation.sql has something to do on generated traffic
// (the words are among the generator's frequent phrases).
var playgroundRules = [][2]string{
	{"lmao", `{"word":"lmao","action":"mask"}`},
	{"omg", `{"word":"omg","action":"flag"}`},
	{"brb", `{"word":"brb","action":"block"}`},
}

// playgroundSourceDDL is queries/chat_pipeline.sql's source, read from the
// beginning so that `SELECT * FROM chat_messages;` shows data at once.
const playgroundSourceDDL = "CREATE SOURCE chat_messages (\n" +
	"  username          VARCHAR,\n" +
	"  text              VARCHAR,\n" +
	"  type              VARCHAR,\n" +
	"  preferredLanguage VARCHAR,\n" +
	"  `timestamp`       BIGINT,\n" +
	"  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),\n" +
	"  kafka_topic       VARCHAR METADATA FROM 'topic' VIRTUAL,\n" +
	"  kafka_partition   INT     METADATA FROM 'partition' VIRTUAL,\n" +
	"  kafka_offset      BIGINT  METADATA FROM 'offset' VIRTUAL,\n" +
	"  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND\n" +
	") WITH (\n" +
	"  'connector' = 'kafka',\n" +
	"  'topic' = 'websocket_fanout',\n" +
	"  'format' = 'json',\n" +
	"  'scan.startup.mode' = 'earliest-offset',\n" +
	"  'dead-letter.topic' = 'chat_dead_letter'\n" +
	");"

const playgroundTry = `Try:
  SELECT username, preferredLanguage, text FROM chat_messages;
  SELECT username, TRANSLATE(text, 'fr') AS fr FROM chat_messages;
  SHOW JOBS;            -- \help lists statements and commands
The whole pipeline (Kafka -> TRANSLATE -> processing_fanout) runs with
  chatsql playground --generate 20 queries/chat_pipeline.sql
`

// playgroundCommand is `chatsql playground [FILE.sql]`.
func playgroundCommand(o *options, log *logger, stdin *os.File, stdout, stderr io.Writer) int {
	var scripts []script
	if len(o.args) == 1 {
		var err error
		if scripts, err = readScripts(o.args); err != nil {
			fmt.Fprintf(stderr, "chatsql playground: %s\n", trimUsage(err))
			return exitUsage
		}
	}
	port, err := playgroundPort(o.kafkaBrokers)
	if err != nil {
		fmt.Fprintf(stderr, "chatsql playground: %s\n", trimUsage(err))
		return exitUsage
	}
	cluster, addr, err := startBroker(port, filepath.Join(o.dataDir, "kafka"))
	if err != nil {
		fmt.Fprintf(stderr, "chatsql playground: %v\n"+
			"(is another playground or a Kafka broker using the port? pick another with --kafka-brokers localhost:PORT)\n", err)
		return exitRuntime
	}
	defer cluster.Close()
	if err := seedRules(addr); err != nil {
		log.Logf("playground: could not publish the example moderation rules: %v", err)
	}

	ctx, stopGen := context.WithCancel(context.Background())
	var gen sync.WaitGroup
	defer func() { stopGen(); gen.Wait() }()
	genNote := "none (add --generate RATE for synthetic chat traffic)"
	if o.generate > 0 {
		src, err := newChatSource(time.Now().UnixNano(), o.generate)
		if err != nil {
			fmt.Fprintf(stderr, "chatsql playground: --generate: %v\n", err)
			return exitRuntime
		}
		gen.Add(1)
		go func() {
			defer gen.Done()
			if err := generate(ctx, addr, topicInput, o.generate, src); err != nil {
				log.Logf("playground generator stopped: %v", err)
			}
		}()
		genNote = fmt.Sprintf("%s messages/s into %s", strconv.FormatFloat(o.generate, 'f', -1, 64), topicInput)
	}

	settings := o.settings()
	settings["kafka.brokers"] = addr
	note := translationNote(o)
	if o.apiKey == "" && o.llmBaseURL == "" && settings[udf.SettingTranslationProvider] == "" {
		// no LLM: the offline engine, when it is installed, beats NULL
		if pairs, err := udf.ApertiumAvailable(); err == nil && len(pairs) > 0 {
			settings[udf.SettingTranslationProvider] = udf.ProviderApertium
			note = fmt.Sprintf("Apertium, offline machine translation (pairs %s; other targets give NULL) — "+
				"set --api-key or --llm-base-url for an LLM", strings.Join(pairs, ", "))
		}
	}

	fmt.Fprintf(stderr, "chatsql playground\n"+
		"  Kafka broker (embedded): %s — consume or produce with any Kafka client, e.g. kcat -b %s -t %s -C\n"+
		"  topics:      %s\n"+
		"  traffic:     %s\n"+
		"  translation: %s\n"+
		"  data dir:    %s\n",
		addr, addr, topicOutput, strings.Join(playgroundTopics, ", "), genNote, note, o.dataDir)
	if len(scripts) > 0 {
		eng, err := openEngine(o, log, settings)
		if err != nil {
			fmt.Fprintf(stderr, "chatsql playground: %v\n", err)
			return exitRuntime
		}
		return runScripts(eng, scripts, stdout, stderr)
	}
	prepare := func(eng engine) error {
		_, err := eng.Exec(context.Background(), "<playground>", playgroundSourceDDL)
		if err == nil {
			fmt.Fprintf(stderr, "  source chat_messages reads %s from the beginning.\n%s\n", topicInput, playgroundTry)
		}
		return err
	}
	return replWithSettings(o, settings, log, stdin, stdout, stderr, prepare)
}

// startBroker starts the embedded Kafka-protocol broker on port (0: any)
// with the playground's topics; addr is "localhost:PORT". The broker keeps
// its log in dataDir (unless ""), beside the jobs' checkpoints: a restarted
// playground resumes from checkpointed offsets that still exist, rather than
// from offsets of a log that vanished with the last process.
func startBroker(port int, dataDir string) (cluster *kfake.Cluster, addr string, err error) {
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.SeedTopics(1, playgroundTopics...),
		kfake.AllowAutoTopicCreation(),
	}
	if dataDir != "" {
		opts = append(opts, kfake.DataDir(dataDir))
	}
	cluster, err = kfake.NewCluster(opts...)
	if err != nil {
		return nil, "", fmt.Errorf("cannot start the embedded Kafka broker on localhost:%d: %w", port, err)
	}
	return cluster, "localhost:" + portOf(cluster.ListenAddrs()[0]), nil
}

// translationNote says which LLM endpoint TRANSLATE will call.
func translationNote(o *options) string {
	base := o.llmBaseURL
	if base == "" {
		base = "https://api.openai.com/v1"
	}
	if o.apiKey == "" && o.llmBaseURL == "" {
		return "none — TRANSLATE returns NULL (set --api-key or OPENAI_API_KEY; --llm-base-url for Ollama, vLLM, ...; " +
			"or install Apertium: apt-get install apertium apertium-eng-spa)"
	}
	return fmt.Sprintf("%s (OpenAI-compatible), model %s", base, o.translationModel)
}

// playgroundPort takes the port of --kafka-brokers, which for the
// playground must name this machine: the broker is embedded.
func playgroundPort(brokers string) (int, error) {
	host, p, err := net.SplitHostPort(strings.TrimSpace(brokers))
	if err != nil || strings.Contains(brokers, ",") {
		return 0, usageErrorf("--kafka-brokers must be localhost:PORT for the embedded broker, not %q", brokers)
	}
	switch host {
	case "", "localhost", "127.0.0.1":
	default:
		return 0, usageErrorf("the playground embeds its own broker; --kafka-brokers must be localhost:PORT, not %q", brokers)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return 0, usageErrorf("--kafka-brokers: bad port %q", p)
	}
	return port, nil
}

func portOf(hostport string) string {
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return p
}

// chatSource renders the next synthetic chat message as seed-format JSON.
type chatSource interface {
	appendNext(buf []byte) []byte
}

// generate produces rate messages/s from src to topic until ctx ends. It
// paces by elapsed time, so a slow tick is caught up rather than lost.
func generate(ctx context.Context, brokers, topic string, rate float64, src chatSource) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(5*time.Millisecond),
	)
	if err != nil {
		return fmt.Errorf("producer for %s: %w", topic, err)
	}
	defer cl.Close()

	var failed atomic.Value // first produce error
	onDone := func(_ *kgo.Record, err error) {
		if err != nil && failed.Load() == nil {
			failed.Store(err)
		}
	}
	const tick = 20 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	start := time.Now()
	var sent int64
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = cl.Flush(fctx)
			return nil
		case now := <-t.C:
			due := int64(rate*now.Sub(start).Seconds()) - sent
			for ; due > 0; due-- {
				cl.Produce(ctx, &kgo.Record{Value: src.appendNext(nil)}, onDone)
				sent++
			}
			if e, ok := failed.Load().(error); ok && e != nil {
				return fmt.Errorf("producing to %s at %s: %w", topic, brokers, e)
			}
		}
	}
}

// seedRules publishes playgroundRules to moderation_rules unless the topic
// already holds records (a restarted playground keeps what users changed).
func seedRules(addr string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topicModerationRules)
	if err != nil {
		return err
	}
	nonEmpty := false
	ends.Each(func(o kadm.ListedOffset) { nonEmpty = nonEmpty || o.Offset > 0 })
	if nonEmpty {
		return nil
	}
	recs := make([]*kgo.Record, len(playgroundRules))
	for i, r := range playgroundRules {
		recs[i] = &kgo.Record{Topic: topicModerationRules, Key: []byte(r[0]), Value: []byte(r[1])}
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

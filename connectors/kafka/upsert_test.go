package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/conformance"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// The upsert scenarios run in TestKfake and TestIntegrationRealKafka with
// the others (see scenarios in kafka_test.go).

// rulesSchema is a reference table: banned words and what to do with them.
var rulesSchema = types.NewSchema(
	types.Column{Name: "word", Type: types.String},
	types.Column{Name: "action", Type: types.String},
	types.Column{Name: "version", Type: types.BigInt},
)

// upsertConfig is a changelog config of rulesSchema keyed by word, with the
// record offset as a metadata column: rows are word, action, version,
// offset, op, record time.
func upsertConfig(t *testing.T, brokers string, raw map[string]string) connectors.Config {
	t.Helper()
	all := map[string]string{optMode: modeUpsert}
	for k, v := range raw {
		all[k] = v
	}
	cfg := config(t, brokers, true, all)
	cfg.Schema = rulesSchema
	cfg.Metadata = []connectors.MetadataColumn{{Name: "off", Key: metaOffset, Type: types.BigInt}}
	cfg.Changelog = true
	cfg.PrimaryKey = []string{"word"}
	return cfg
}

// caughtUpCounter counts CaughtUp calls and remembers how many rows the
// test had received when the first came.
type caughtUpCounter struct {
	mu     sync.Mutex
	calls  int
	atRows int
	rows   *int
}

func (c *caughtUpCounter) hook(sc *runtime.SourceContext) {
	sc.CaughtUp = func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.calls++
		if c.calls == 1 {
			c.atRows = *c.rows
		}
	}
}

func (c *caughtUpCounter) get() (calls, atRows int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.atRows
}

// openUpsert opens a changelog source whose CaughtUp calls are counted
// against the rows returned so far (*rows, kept up to date by the caller).
func openUpsert(t *testing.T, cfg connectors.Config, state []byte, rows *int) (*Source, *recorder, *caughtUpCounter) {
	t.Helper()
	src, err := NewSource(cfg)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	rec := &recorder{}
	sc := rec.context()
	cu := &caughtUpCounter{rows: rows}
	cu.hook(sc)
	if err := src.Open(context.Background(), sc, state); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = src.Close() })
	return src.(*Source), rec, cu
}

// pollCounting polls until n rows arrived or timeout, keeping *count up to
// date after every batch (CaughtUp is called inside Poll).
func pollCounting(t *testing.T, src *Source, count *int, n int, timeout time.Duration) []types.Row {
	t.Helper()
	var rows []types.Row
	deadline := time.Now().Add(timeout)
	for len(rows) < n && time.Now().Before(deadline) {
		b, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if b != nil {
			rows = append(rows, b.Rows...)
			*count += len(b.Rows)
		}
	}
	return rows
}

// waitCaughtUp polls (expecting no rows) until CaughtUp was called.
func waitCaughtUp(t *testing.T, src *Source, cu *caughtUpCounter, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if calls, _ := cu.get(); calls > 0 {
			return
		}
		b, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if b != nil && len(b.Rows) > 0 {
			t.Fatalf("unexpected rows while waiting for CaughtUp: %v", b.Rows)
		}
	}
	t.Fatalf("CaughtUp was not called within %v", timeout)
}

// changeRow renders a changelog row of upsertConfig as text, without the
// record time (checked separately).
func changeRow(r types.Row) string {
	return fmt.Sprintf("%s|%s|%s|off=%s|op=%s", r[0], r[1], r[2], r[3], r[4])
}

func checkChangeRows(t *testing.T, rows []types.Row, want []string) {
	t.Helper()
	var got []string
	for _, r := range rows {
		if len(r) != len(rulesSchema.Columns)+1+changelogExtra {
			t.Fatalf("row %v has %d columns, want %d", r, len(r), len(rulesSchema.Columns)+1+changelogExtra)
		}
		if r[4].Kind() != types.KindInt {
			t.Errorf("op column of %v is %v, want INT", r, r[4].Kind())
		}
		if ts := r[5]; ts.Kind() != types.KindTimestampLTZ || ts.Time().Before(time.Now().Add(-time.Hour)) || ts.Time().After(time.Now().Add(time.Hour)) {
			t.Errorf("record time of %v = %v (%v)", r, ts, ts.Kind())
		}
		got = append(got, changeRow(r))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("changelog rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func testUpsertJSONKey(t *testing.T, e env) {
	topic := e.topic(t, "upsert-json")
	rec := func(key, value string) *kgo.Record {
		r := &kgo.Record{Topic: topic, Partition: 0}
		if key != "" {
			r.Key = []byte(key)
		}
		if value != "" {
			r.Value = []byte(value)
		}
		return r
	}
	kafkatest.Produce(t, e.brokers,
		rec(`{"word":"spam"}`, `{"word":"spam","action":"block","version":1}`),
		rec(`{"word":"ham"}`, `{"action":"flag","version":2}`),                // key fills the value's missing key field
		rec(`{"word":"egg"}`, `{"word":"other","action":"mask","version":3}`), // the key wins over the value
		rec(`{"word":"spam"}`, `{"word":"spam","action":"mask","version":4}`),
		rec(`{"word":"spam"}`, ""), // tombstone: delete spam
	)
	var n int
	src, r, cu := openUpsert(t, upsertConfig(t, e.brokers, map[string]string{optTopic: topic}), nil, &n)
	rows := pollCounting(t, src, &n, 5, 20*time.Second)
	checkChangeRows(t, rows, []string{
		"spam|block|1|off=0|op=0",
		"ham|flag|2|off=1|op=0",
		"egg|mask|3|off=2|op=0",
		"spam|mask|4|off=3|op=0",
		"spam|NULL|NULL|off=4|op=1",
	})
	waitCaughtUp(t, src, cu, 10*time.Second)
	if calls, at := cu.get(); calls != 1 || at != 5 {
		t.Errorf("CaughtUp called %d times, first after %d rows; want once, after 5", calls, at)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.dead) != 0 {
		t.Errorf("unexpected dead letters %v", r.dead)
	}
}

func testUpsertRawKey(t *testing.T, e env) {
	topic := e.topic(t, "upsert-raw")
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Partition: 1, Key: []byte("spam"), Value: []byte(`{"action":"block","version":1}`)},
		&kgo.Record{Topic: topic, Partition: 1, Key: []byte("ham"), Value: []byte(`{"word":"not ham","action":"flag","version":2}`)},
		&kgo.Record{Topic: topic, Partition: 1, Key: []byte("spam")}, // tombstone
	)
	var n int
	src, r, cu := openUpsert(t, upsertConfig(t, e.brokers, map[string]string{optTopic: topic, optKeyFormat: "raw"}), nil, &n)
	rows := pollCounting(t, src, &n, 3, 20*time.Second)
	checkChangeRows(t, rows, []string{
		"spam|block|1|off=0|op=0",
		"ham|flag|2|off=1|op=0",
		"spam|NULL|NULL|off=2|op=1",
	})
	waitCaughtUp(t, src, cu, 10*time.Second)
	if calls, at := cu.get(); calls != 1 || at != 3 {
		t.Errorf("CaughtUp called %d times, first after %d rows; want once, after 3", calls, at)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.dead) != 0 {
		t.Errorf("unexpected dead letters %v", r.dead)
	}
}

func testUpsertNoKey(t *testing.T, e env) {
	topic := e.topic(t, "upsert-nokey")
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Partition: 2, Value: []byte(`{"word":"spam","action":"block","version":1}`)},
		&kgo.Record{Topic: topic, Partition: 2, Value: []byte(`{"action":"keyless","version":2}`)}, // no key anywhere
		&kgo.Record{Topic: topic, Partition: 2, Value: []byte(`{"word":"ham","action":"flag","version":3}`)},
	)
	var n int
	src, r, _ := openUpsert(t, upsertConfig(t, e.brokers, map[string]string{optTopic: topic}), nil, &n)
	rows := pollCounting(t, src, &n, 2, 20*time.Second)
	quiet(t, src, 300*time.Millisecond)
	checkChangeRows(t, rows, []string{
		"spam|block|1|off=0|op=0",
		"ham|flag|3|off=2|op=0",
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.dead) != 1 || !errors.Is(r.dead[0].Err, errNullPrimaryKey) || r.dead[0].Offset != 1 {
		t.Errorf("the record without a key field should be dead-lettered, got %v", r.dead)
	}
}

func testUpsertBadKeys(t *testing.T, e env) {
	topic, dlq := e.topic(t, "upsert-bad"), e.topic(t, "upsert-dlq")
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Partition: 0, Key: []byte(`{"word":"spam"}`), Value: []byte(`{"action":"block","version":1}`)},
		&kgo.Record{Topic: topic, Partition: 0},                                                                   // tombstone without a key
		&kgo.Record{Topic: topic, Partition: 0, Key: []byte(`{not json`), Value: []byte(`{"word":"x"}`)},          // undecodable key
		&kgo.Record{Topic: topic, Partition: 0, Key: []byte(`{"word":"egg"}`), Value: []byte(`{"version":"v2"}`)}, // mistyped value
		&kgo.Record{Topic: topic, Partition: 0, Key: []byte(`{"word":"ham"}`), Value: []byte(`{"action":"flag","version":2}`)},
	)
	var n int
	src, r, cu := openUpsert(t, upsertConfig(t, e.brokers, map[string]string{optTopic: topic, optDeadLetterTopic: dlq}), nil, &n)
	rows := pollCounting(t, src, &n, 2, 20*time.Second)
	waitCaughtUp(t, src, cu, 10*time.Second)
	quiet(t, src, 300*time.Millisecond)
	checkChangeRows(t, rows, []string{
		"spam|block|1|off=0|op=0",
		"ham|flag|2|off=4|op=0",
	})
	if _, err := src.Snapshot(context.Background()); err != nil { // flushes the dead letters
		t.Fatalf("Snapshot: %v", err)
	}
	r.mu.Lock()
	var offs []int64
	for _, d := range r.dead {
		offs = append(offs, d.Offset)
	}
	if fmt.Sprint(offs) != "[1 2 3]" || !errors.Is(r.dead[0].Err, errTombstoneNoKey) || !strings.Contains(r.dead[1].Err.Error(), "key:") {
		t.Errorf("dead letters %v, want offsets 1 (tombstone without key), 2 (bad key), 3 (bad value)", r.dead)
	}
	r.mu.Unlock()
	got := kafkatest.Consume(t, e.brokers, dlq, 3, 20*time.Second)
	if len(got) != 3 {
		t.Fatalf("dead-letter topic has %d records, want 3", len(got))
	}
	tombstones := 0
	for _, d := range got {
		if d.Value == nil && d.Key == nil {
			tombstones++
		}
		var hasErr bool
		for _, h := range d.Headers {
			hasErr = hasErr || h.Key == HeaderError && len(h.Value) > 0
		}
		if !hasErr {
			t.Errorf("dead letter without %s header: %v", HeaderError, d.Headers)
		}
	}
	if tombstones != 1 {
		t.Errorf("%d keyless tombstones in the dead-letter topic, want 1", tombstones)
	}
}

// testUpsertCaughtUp: CaughtUp comes after the batch with the last record
// present at Open was returned, never before, once; records produced later
// do not move it. A restart from a checkpoint catches up again, to the end
// as of the restart.
func testUpsertCaughtUp(t *testing.T, e env) {
	topic := e.topic(t, "upsert-catchup")
	const total = 3000 // more than one batch per partition
	recs := make([]*kgo.Record, total)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: int32(i % kafkatest.Partitions),
			Key: []byte(fmt.Sprintf(`{"word":"w%d"}`, i%500)), Value: []byte(fmt.Sprintf(`{"action":"a%d","version":%d}`, i, i))}
	}
	kafkatest.Produce(t, e.brokers, recs...)
	cfg := upsertConfig(t, e.brokers, map[string]string{optTopic: topic})
	var n int
	src, _, cu := openUpsert(t, cfg, nil, &n)
	rows := pollCounting(t, src, &n, 1200, 30*time.Second)
	if calls, _ := cu.get(); calls != 0 {
		t.Fatalf("CaughtUp called after %d of %d rows", len(rows), total)
	}
	atSnap := len(rows)
	state, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	rows = append(rows, pollCounting(t, src, &n, total-len(rows), 30*time.Second)...)
	if len(rows) != total {
		t.Fatalf("read %d rows, want %d", len(rows), total)
	}
	waitCaughtUp(t, src, cu, 10*time.Second)
	if calls, at := cu.get(); calls != 1 || at != total {
		t.Fatalf("CaughtUp called %d times, first after %d rows; want once, after %d", calls, at, total)
	}
	// later records are live updates
	kafkatest.Produce(t, e.brokers, &kgo.Record{Topic: topic, Partition: 0, Key: []byte(`{"word":"late"}`), Value: []byte(`{"action":"x"}`)})
	if late := pollCounting(t, src, &n, 1, 20*time.Second); len(late) != 1 || late[0][0].Str() != "late" {
		t.Fatalf("late rows %v", late)
	}
	quiet(t, src, 300*time.Millisecond)
	if calls, _ := cu.get(); calls != 1 {
		t.Errorf("CaughtUp called %d times, want once", calls)
	}
	_ = src.Close()

	// Restart from the snapshot: the end is now the records not read
	// before it plus the late one.
	var n2 int
	src2, _, cu2 := openUpsert(t, cfg, state, &n2)
	want := total + 1 - atSnap
	rest := pollCounting(t, src2, &n2, want, 30*time.Second)
	if calls, _ := cu2.get(); calls != 0 {
		t.Fatalf("CaughtUp called before the last batch after the restart was returned")
	}
	waitCaughtUp(t, src2, cu2, 10*time.Second)
	if calls, at := cu2.get(); calls != 1 || at != want || len(rest) != want {
		t.Fatalf("after restart: %d rows, CaughtUp %d times after %d rows; want %d rows, then CaughtUp once", len(rest), calls, at, want)
	}
}

func testUpsertEmptyTopic(t *testing.T, e env) {
	topic := e.topic(t, "upsert-empty")
	var n int
	src, _, cu := openUpsert(t, upsertConfig(t, e.brokers, map[string]string{optTopic: topic}), nil, &n)
	start := time.Now()
	waitCaughtUp(t, src, cu, 10*time.Second)
	t.Logf("empty topic caught up after %v", time.Since(start))
	kafkatest.Produce(t, e.brokers, &kgo.Record{Topic: topic, Partition: 1, Key: []byte(`{"word":"first"}`), Value: []byte(`{"action":"flag"}`)})
	rows := pollCounting(t, src, &n, 1, 20*time.Second)
	checkChangeRows(t, rows, []string{"first|flag|NULL|off=0|op=0"})
	if calls, _ := cu.get(); calls != 1 {
		t.Errorf("CaughtUp called %d times, want once", calls)
	}
}

// testUpsertDefaultEarliest: without 'scan.startup.mode' an upsert table
// is read from the beginning, even with a group that committed offsets.
func testUpsertDefaultEarliest(t *testing.T, e env) {
	topic := e.topic(t, "upsert-earliest")
	group := "g-" + topic
	kafkatest.Produce(t, e.brokers,
		&kgo.Record{Topic: topic, Partition: 0, Key: []byte(`{"word":"a"}`), Value: []byte(`{"action":"x"}`)},
		&kgo.Record{Topic: topic, Partition: 1, Key: []byte(`{"word":"b"}`), Value: []byte(`{"action":"y"}`)},
	)
	cfg := upsertConfig(t, e.brokers, map[string]string{optTopic: topic, optGroupID: group})
	if m := cfg.Options.Get(optStartupMode); m != "" {
		t.Fatalf("validation set scan.startup.mode = %q; the source must pick the default", m)
	}
	var n int
	src, _, cu := openUpsert(t, cfg, nil, &n)
	if src.mode != modeEarliest {
		t.Fatalf("startup mode %q, want %q", src.mode, modeEarliest)
	}
	rows := pollCounting(t, src, &n, 2, 20*time.Second)
	if got := usernames(rows); fmt.Sprint(got) != "[a b]" {
		t.Fatalf("read %v, want [a b]", got)
	}
	waitCaughtUp(t, src, cu, 10*time.Second)
	// commit the position to the group: a fresh start still reads it all
	if _, err := src.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := src.CheckpointComplete(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	_ = src.Close()
	var n2 int
	src2, _, _ := openUpsert(t, cfg, nil, &n2)
	rows = pollCounting(t, src2, &n2, 2, 20*time.Second)
	if got := usernames(rows); fmt.Sprint(got) != "[a b]" {
		t.Fatalf("fresh start read %v, want [a b] again", got)
	}
}

// testUpsertConformance runs the shared source suite on a changelog source.
func testUpsertConformance(t *testing.T, e env) {
	topic := kafkatest.Topic(t, "conf-upsert")
	kafkatest.CreateTopic(t, e.brokers, topic, 1)
	var recs []*kgo.Record
	for i := 0; i < 200; i++ {
		r := &kgo.Record{Topic: topic, Key: []byte(fmt.Sprintf(`{"word":"w%d"}`, i%37))}
		if i%10 != 9 {
			r.Value = []byte(fmt.Sprintf(`{"action":"a%d","version":%d}`, i, i))
		}
		recs = append(recs, r)
	}
	kafkatest.Produce(t, e.brokers, recs...)
	cfg := upsertConfig(t, e.brokers, map[string]string{optTopic: topic})
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
}

// TestChangelogLayout keeps the connector's changelog constants in step
// with the planner's contract.
func TestChangelogLayout(t *testing.T) {
	if changeUpsert != plan.ChangeUpsert || changeDelete != plan.ChangeDelete || changelogExtra != plan.ChangelogExtra {
		t.Fatalf("changelog constants %d/%d/%d differ from plan's %d/%d/%d",
			changeUpsert, changeDelete, changelogExtra, plan.ChangeUpsert, plan.ChangeDelete, plan.ChangelogExtra)
	}
}

func TestUpsertStartupDefaults(t *testing.T) {
	for _, c := range []struct {
		name      string
		opts      map[string]string
		changelog bool
		want      string
	}{
		{"append", map[string]string{}, false, modeGroup},
		{"append explicit", map[string]string{optMode: modeAppend}, false, modeGroup},
		{"upsert", map[string]string{optMode: modeUpsert}, true, modeEarliest},
		{"upsert option only", map[string]string{optMode: "UPSERT"}, false, modeEarliest},
		{"upsert explicit latest", map[string]string{optMode: modeUpsert, optStartupMode: modeLatest}, true, modeLatest},
		{"append explicit earliest", map[string]string{optStartupMode: modeEarliest}, false, modeEarliest},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts[optTopic] = "x"
			cfg := config(t, "localhost:1", true, c.opts)
			if c.changelog {
				cfg.Schema = rulesSchema
				cfg.Changelog, cfg.PrimaryKey = true, []string{"word"}
			}
			src, err := NewSource(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if m := src.(*Source).mode; m != c.want {
				t.Errorf("startup mode %q, want %q", m, c.want)
			}
		})
	}
}

func TestUpsertOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		opts map[string]string
		pk   []string
		want string
	}{
		{"no primary key", map[string]string{}, nil, "PRIMARY KEY"},
		{"key.fields differ", map[string]string{optKeyFields: "action"}, []string{"word"}, "'key.fields'"},
		{"raw key of two columns", map[string]string{optKeyFormat: "raw"}, []string{"word", "action"}, "raw format"},
		{"raw key not text", map[string]string{optKeyFormat: "raw"}, []string{"version"}, "raw format"},
		{"unknown key column", map[string]string{}, []string{"wrod"}, "did you mean 'word'"},
		{"unknown version column", map[string]string{optVersionColumn: "verison"}, []string{"word"}, "did you mean 'version'"},
		{"group assignment", map[string]string{optGroupID: "g", optAssignment: "group"}, []string{"word"}, "'direct'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := upsertConfig(t, "localhost:1", c.opts)
			cfg.Options[optTopic] = "x"
			cfg.PrimaryKey = c.pk
			_, err := NewSource(cfg)
			if !errors.Is(err, ErrSourceConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want an ErrSourceConfig mentioning %q", err, c.want)
			}
		})
	}
	// version.column: a physical or metadata column, upsert mode only
	cfg := upsertConfig(t, "localhost:1", map[string]string{optTopic: "x", optVersionColumn: "OFF"})
	if _, err := NewSource(cfg); err != nil {
		t.Errorf("metadata version column rejected: %v", err)
	}
	_, err := NewSource(config(t, "localhost:1", true, map[string]string{optTopic: "x", optVersionColumn: "timestamp"}))
	if !errors.Is(err, ErrSourceConfig) || !strings.Contains(err.Error(), "upsert") {
		t.Errorf("version.column in append mode: %v", err)
	}
	// the option values are checked by the spec
	spec := Spec()
	_, errs := spec.Validate(map[string]string{"connector": "kafka", optTopic: "x", optMode: "upsrt"}, true)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "did you mean 'upsert'") {
		t.Errorf("bad mode not caught with a hint: %v", errs)
	}
}

// TestChangelogDecoder covers the record → row rules without a broker.
func TestChangelogDecoder(t *testing.T) {
	cfg := upsertConfig(t, "localhost:1", map[string]string{optTopic: "x"})
	cfg.Schema = types.NewSchema(
		types.Column{Name: "tenant", Type: types.String},
		types.Column{Name: "id", Type: types.BigInt},
		types.Column{Name: "v", Type: types.String},
	)
	cfg.PrimaryKey = []string{"tenant", "id"}
	d, err := newChangelogDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	exceptCfg := cfg
	exceptCfg.Options = connectors.Options{}
	for k, v := range cfg.Options {
		exceptCfg.Options[k] = v
	}
	exceptCfg.Options[optValueFieldsInclude] = "EXCEPT_KEY"
	dx, err := newChangelogDecoder(exceptCfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		d          *changelogDecoder
		key, value string // "-" is nil
		want       string
		err        error
	}{
		{"upsert", d, `{"tenant":"t","id":1}`, `{"tenant":"t","id":1,"v":"x"}`, "t|1|x|op=0", nil},
		{"key fills", d, `{"tenant":"t","id":2}`, `{"v":"y"}`, "t|2|y|op=0", nil},
		{"key overrides", d, `{"tenant":"t","id":3}`, `{"tenant":"u","id":9,"v":"z"}`, "t|3|z|op=0", nil},
		{"partial key, rest from value", d, `{"id":4}`, `{"tenant":"t","v":"w"}`, "t|4|w|op=0", nil},
		{"no key", d, "-", `{"tenant":"t","id":5,"v":"q"}`, "t|5|q|op=0", nil},
		{"delete", d, `{"tenant":"t","id":1}`, "-", "t|1|NULL|op=1", nil},
		{"delete with partial key", d, `{"tenant":"t"}`, "-", "", errNullPrimaryKey},
		{"no key, value lacks key", d, "-", `{"tenant":"t","v":"q"}`, "", errNullPrimaryKey},
		{"tombstone without key", d, "-", "-", "", errTombstoneNoKey},
		{"except_key", dx, `{"tenant":"t","id":6}`, `{"v":"e"}`, "t|6|e|op=0", nil},
		{"except_key without key", dx, "-", `{"v":"e"}`, "", errNullKey},
		{"except_key delete", dx, `{"tenant":"t","id":6}`, "-", "t|6|NULL|op=1", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var key, value []byte
			if c.key != "-" {
				key = []byte(c.key)
			}
			if c.value != "-" {
				value = []byte(c.value)
			}
			row := make(types.Row, 3)
			for i := range row {
				row[i] = types.NewString("stale")
			}
			op, err := c.d.decode(key, value, row)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%s|%s|%s|op=%d", row[0], row[1], row[2], op); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// testUpsertTransactional: records written in a transaction end with a
// commit marker that takes an offset but is no record; the catch-up still
// completes (the source keeps control records to see it).
func testUpsertTransactional(t *testing.T, e env) {
	topic := e.topic(t, "upsert-txn")
	cl := kafkatest.Client(t, e.brokers, kgo.TransactionalID("txn-"+topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		r := &kgo.Record{Topic: topic, Partition: int32(i % 2), Key: []byte(fmt.Sprintf(`{"word":"w%d"}`, i)), Value: []byte(`{"action":"x"}`)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	for _, isolation := range []string{"read_uncommitted", "read_committed"} {
		t.Run(isolation, func(t *testing.T) {
			var n int
			src, _, cu := openUpsert(t, upsertConfig(t, e.brokers, map[string]string{optTopic: topic, "properties.isolation.level": isolation}), nil, &n)
			rows := pollCounting(t, src, &n, 10, 20*time.Second)
			if len(rows) != 10 {
				t.Fatalf("read %d rows, want 10", len(rows))
			}
			waitCaughtUp(t, src, cu, 10*time.Second)
			if calls, at := cu.get(); calls != 1 || at != 10 {
				t.Fatalf("CaughtUp called %d times, first after %d rows; want once, after 10", calls, at)
			}
		})
	}
}

// testUpsertStartModesCatchUp: an upsert table started past its records
// (latest, a future timestamp, offsets at the end) is caught up at once; one
// started in the middle after the rest.
func testUpsertStartModesCatchUp(t *testing.T, e env) {
	topic := e.topic(t, "upsert-modes")
	for i := 0; i < 4; i++ {
		kafkatest.Produce(t, e.brokers, &kgo.Record{Topic: topic, Partition: 0, Key: []byte(fmt.Sprintf(`{"word":"w%d"}`, i)), Value: []byte(`{"action":"x"}`)})
	}
	for _, c := range []struct {
		name string
		opts map[string]string
		rows int
	}{
		{"latest", map[string]string{optStartupMode: modeLatest}, 0},
		{"timestamp-future", map[string]string{optStartupMode: modeTimestamp, optStartupTimestamp: fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())}, 0},
		{"timestamp-past", map[string]string{optStartupMode: modeTimestamp, optStartupTimestamp: "0"}, 4},
		{"specific-end", map[string]string{optStartupMode: modeSpecific, optStartupOffsets: "partition:0,offset:4"}, 0},
		{"specific-middle", map[string]string{optStartupMode: modeSpecific, optStartupOffsets: "partition:0,offset:1"}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts[optTopic] = topic
			var n int
			src, _, cu := openUpsert(t, upsertConfig(t, e.brokers, c.opts), nil, &n)
			rows := pollCounting(t, src, &n, c.rows, 20*time.Second)
			waitCaughtUp(t, src, cu, 10*time.Second)
			if calls, at := cu.get(); len(rows) != c.rows || calls != 1 || at != c.rows {
				t.Fatalf("%d rows, CaughtUp %d times after %d rows; want %d rows, then CaughtUp once", len(rows), calls, at, c.rows)
			}
		})
	}
}

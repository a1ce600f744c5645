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

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/adhoc"
	"github.com/chatsql/chatsql/udf"
	"github.com/chatsql/chatsql/udf/llmtest"
)

// lakeEnv runs the queries/lake_*.sql and full_pipeline.sql files with this
// test's topics, consumer groups and data directory, and the fake LLM.
type lakeEnv struct {
	brokers string
	topics  map[string]string // shipped topic name -> this test's topic
	group   string
	llm     *llmtest.Server
	dataDir string
}

func newLakeEnv(t *testing.T, brokers string, llm *llmtest.Server, names ...string) *lakeEnv {
	e := &lakeEnv{brokers: brokers, topics: map[string]string{}, group: kafkatest.Topic(t, "g"), llm: llm, dataDir: t.TempDir()}
	for _, n := range append([]string{"websocket_fanout", "chat_dead_letter"}, names...) {
		e.topics[n] = kafkatest.Topic(t, n)
		kafkatest.CreateTopic(t, brokers, e.topics[n], 1)
	}
	return e
}

func (e *lakeEnv) topic(name string) string { return e.topics[name] }

// script is the shipped file with this test's topics and groups, and the
// Iceberg tables polled every 200 ms instead of every 10 s.
func (e *lakeEnv) script(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile("../../queries/" + file)
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for from, to := range e.topics {
		script = strings.ReplaceAll(script, "'"+from+"'", "'"+to+"'")
	}
	script = strings.ReplaceAll(script, "'properties.group.id' = '", "'properties.group.id' = '"+e.group+"-")
	script = strings.ReplaceAll(script, "'monitor-interval' = '10 s'", "'monitor-interval' = '200 ms'")
	return script
}

// start runs the shipped file in a session on the env's data directory.
func (e *lakeEnv) start(t *testing.T, file string) *Session {
	t.Helper()
	settings := map[string]string{"kafka.brokers": e.brokers, "execution.checkpointing.interval": "300 ms"}
	if e.llm != nil {
		settings[udf.SettingTranslationBaseURL] = e.llm.URL()
		settings[udf.SettingTranslationAPIKey] = "test-key"
		settings[udf.SettingTranslationTimeout] = "2 s"
	}
	s, err := New(Config{DataDir: e.dataDir, Logf: t.Logf, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecScript(context.Background(), file, e.script(t, file)); err != nil {
		s.Close()
		t.Fatal(diag.FormatError(err))
	}
	return s
}

func (e *lakeEnv) produce(t *testing.T, records ...string) {
	t.Helper()
	kafkatest.ProduceValues(t, e.brokers, e.topic("websocket_fanout"), records...)
}

// lakeScan reads the current snapshot of an Iceberg table with iceberg-go;
// ok is false while the table does not exist yet.
func lakeScan(t *testing.T, dataDir, name string) (rows []map[string]any, ok bool) {
	t.Helper()
	c := iceberg.NewCatalogs(dataDir)
	defer c.Close()
	tbl, err := c.LoadTable(context.Background(), name)
	if err != nil {
		return nil, false
	}
	if tbl.CurrentSnapshot() == nil {
		return nil, true
	}
	_, rows = lakeRows(t, tbl)
	return rows, true
}

// waitLake polls an Iceberg table until it holds at least n rows.
func waitLake(t *testing.T, dataDir, name string, n int, timeout time.Duration) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rows, _ := lakeScan(t, dataDir, name)
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %d rows in %s; %d rows: %v", timeout, n, name, len(rows), rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func byKey(rows []map[string]any, key string) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, r := range rows {
		if s, ok := r[key].(string); ok {
			m[s] = r
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// lakeHistoryScript: three messages a day apart and one a day later (UTC),
// in three languages.
var lakeHistoryScript = []struct {
	user, text, typ, lang string
	sec                   int64
}{
	{"alice", "good morning", "USER_MESSAGE", "es", 0},
	{"bob", "hello", "USER_JOINED", "fr", 10},
	{"bob", "good night", "USER_MESSAGE", "fr", 20},
	{"alice", "thanks!", "USER_MESSAGE", "de", 86400 + 30},
}

// TestLakeHistorySinkQuery: queries/lake_history_sink.sql streams Kafka
// into lake.chat.messages: every record once, its id the UUID of its
// topic/partition/offset, translated by the fake LLM, the table partitioned
// by days(event_time) with one partition per UTC day.
func TestLakeHistorySinkQuery(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newLakeEnv(t, brokers(t), llm)
			for _, m := range lakeHistoryScript {
				e.produce(t, seedRecord(m.user, m.text, m.typ, m.lang, 1704067200+m.sec))
			}
			s := e.start(t, "lake_history_sink.sql")
			defer s.Close()
			rows := waitLake(t, e.dataDir, "lake.chat.messages", len(lakeHistoryScript), 30*time.Second)
			if len(rows) != len(lakeHistoryScript) {
				t.Fatalf("%d rows, want %d: %v", len(rows), len(lakeHistoryScript), rows)
			}
			got := byKey(rows, "text")
			for i, m := range lakeHistoryScript {
				r := got[m.text]
				if r == nil {
					t.Fatalf("no row for %q: %v", m.text, rows)
				}
				want := map[string]any{"id": expectedID(e.topic("websocket_fanout"), 0, int64(i)), "username": m.user,
					"translated": llm.Translation(m.lang, m.text), "language": m.lang, "type": m.typ}
				for k, v := range want {
					if r[k] != v {
						t.Errorf("%q: %s = %v, want %v", m.text, k, r[k], v)
					}
				}
				if ts := time.Unix(1704067200+m.sec, 0).UTC().Format(time.RFC3339); r["event_time"] != ts {
					t.Errorf("%q: event_time = %v, want %s", m.text, r["event_time"], ts)
				}
			}
			tbl := lakeTableOf(t, e.dataDir, "lake.chat.messages")
			if spec := tbl.Spec().String(); !strings.Contains(spec, "event_time_day") || !strings.Contains(spec, "day") {
				t.Errorf("partition spec %s, want days(event_time)", spec)
			}
			files := map[string]bool{}
			tasks, err := tbl.Scan().PlanFiles(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range tasks {
				files[task.File.FilePath()[:strings.LastIndex(task.File.FilePath(), "/")]] = true
			}
			if len(files) != 2 {
				t.Errorf("data files in %d partition directories, want 2 (two days): %v", len(files), sortedKeys(files))
			}
		})
	}
}

// seedUserStats runs queries/lake_user_stats_init.sql, with a baseline
// file instead of /dev/null when lines are given, and waits for it.
func seedUserStats(t *testing.T, dataDir string, lines ...string) {
	t.Helper()
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := os.ReadFile("../../queries/lake_user_stats_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	if len(lines) > 0 {
		base := dataDir + "/baseline.json"
		writeLines(t, base, lines...)
		script = strings.Replace(script, "'path' = '/dev/null'", "'path' = '"+base+"'", 1)
	}
	runScript(t, s, "lake_user_stats_init.sql", script)
}

// adhocRows runs a DuckDB query (runtime/adhoc, as `chatsql query` does) on
// the data directory's lake and returns its rows as text.
func adhocRows(t *testing.T, dataDir, query string) [][]string {
	t.Helper()
	c := iceberg.NewCatalogs(dataDir)
	defer c.Close()
	r, err := adhoc.Query(context.Background(), c, query, adhoc.Options{})
	if err != nil {
		t.Fatalf("%s: %s", query, diag.FormatError(err))
	}
	defer r.Close()
	_, rows, err := adhoc.Collect(r)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return rows
}

// TestLakeUserStatsQuery: queries/lake_user_stats.sql. Messages are
// enriched with the SUM of the user's rows in lake.chat.user_stats (the
// baseline first; then also the rows the job itself committed), and every
// USER_MESSAGE is appended to the table once, with its message id.
func TestLakeUserStatsQuery(t *testing.T) {
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newLakeEnv(t, brokers(t), nil, "enriched_messages")
			seedUserStats(t, e.dataDir, `{"id":"base-alice","username":"alice","messages":10}`, `{"id":"base-bob","username":"bob","messages":3}`)
			e.produce(t,
				seedRecord("alice", "a0", "USER_MESSAGE", "es", 1704067200),
				seedRecord("bob", "joined", "USER_JOINED", "es", 1704067201), // not a message: not counted
				seedRecord("carol", "c0", "USER_MESSAGE", "fr", 1704067202))
			s := e.start(t, "lake_user_stats.sql")
			defer s.Close()
			out := e.topic("enriched_messages")
			got := byText(waitFor(t, e.brokers, out, 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= 2 }))
			if r := got["a0"]; r == nil || r["total_messages"] != 10.0 || r["id"] != expectedID(e.topic("websocket_fanout"), 0, 0) {
				t.Errorf("a0: %v, want total_messages 10 (the baseline) and id %s", r, expectedID(e.topic("websocket_fanout"), 0, 0))
			}
			if r := got["c0"]; r == nil || r["total_messages"] != 0.0 {
				t.Errorf("c0: %v, want total_messages 0", r)
			}
			if _, ok := got["joined"]; ok {
				t.Error("a USER_JOINED record was enriched")
			}
			waitLake(t, e.dataDir, "lake.chat.user_stats", 4, 30*time.Second)
			// once a0's row is committed and read, alice's next messages count it
			var sent int
			deadline := time.Now().Add(20 * time.Second)
			for {
				if time.Now().After(deadline) {
					t.Fatalf("alice's committed message was never counted (%d probes)", sent)
				}
				text := fmt.Sprintf("a%d", sent+1)
				e.produce(t, seedRecord("alice", text, "USER_MESSAGE", "es", 1704067210+int64(sent)))
				sent++
				r := byText(waitFor(t, e.brokers, out, 10*time.Second, func(rs []map[string]any) bool { _, ok := byText(rs)[text]; return ok }))[text]
				if tot := r["total_messages"].(float64); tot >= 11 {
					if tot > float64(10+sent) {
						t.Fatalf("%s: total_messages %v, more than alice's %d messages", text, tot, 10+sent)
					}
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			rows := waitLake(t, e.dataDir, "lake.chat.user_stats", 4+sent, 30*time.Second)
			ids := map[string]int{}
			for _, r := range rows {
				ids[r["id"].(string)]++
			}
			for id, n := range ids {
				if n != 1 {
					t.Errorf("id %s appears %d times", id, n)
				}
			}
			if len(rows) != 4+sent {
				t.Errorf("%d rows in lake.chat.user_stats, want %d", len(rows), 4+sent)
			}
			want := [][]string{{"alice", fmt.Sprint(11 + sent)}, {"bob", "3"}, {"carol", "1"}}
			if got := adhocRows(t, e.dataDir, "SELECT username, sum(messages) FROM chat.user_stats GROUP BY 1 ORDER BY 1"); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("totals in DuckDB %v, want %v", got, want)
			}
		})
	}
}

// adhocStatements splits queries/lake_adhoc.sql into its statements
// (comments removed).
func adhocStatements(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../queries/lake_adhoc.sql")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.Index(l, "--"); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, l)
	}
	var stmts []string
	for _, st := range strings.Split(strings.Join(lines, "\n"), ";") {
		if st = strings.TrimSpace(st); st != "" {
			stmts = append(stmts, st)
		}
	}
	return stmts
}

// TestLakeAdhocQueries: lake_history_sink.sql writes lake.chat.messages in
// two batches (a second day, a later commit); each statement of
// queries/lake_adhoc.sql runs through runtime/adhoc (as `chatsql query`
// does) and gives the expected rows; the time-travel one, with its literal
// set between the batches, reads the first batch only.
func TestLakeAdhocQueries(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	type msg struct {
		user, text, typ, lang string
		sec                   int64
	}
	batch1 := []msg{
		{"alice", "hola 1", "USER_MESSAGE", "es", 0},
		{"alice", "hola 2", "USER_MESSAGE", "es", 60},
		{"bob", "joined", "USER_JOINED", "fr", 70},
		{"bob", "bonjour", "USER_MESSAGE", "fr", 80},
		{"carol", "buenas", "USER_MESSAGE", "es", 86400 + 10},
	}
	batch2 := []msg{
		{"alice", "guten tag", "USER_MESSAGE", "de", 86400 + 20},
		{"dave", "hi", "USER_MESSAGE", "es", 86400 + 30},
		{"dave", "hi again", "USER_MESSAGE", "es", 86400 + 40},
		{"dave", "hi 3", "USER_MESSAGE", "es", 86400 + 50},
	}
	stmts := adhocStatements(t)
	if len(stmts) != 3 {
		t.Fatalf("%d statements in lake_adhoc.sql, want 3", len(stmts))
	}
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newLakeEnv(t, brokers(t), llm)
			produce := func(ms []msg) {
				for _, m := range ms {
					e.produce(t, seedRecord(m.user, m.text, m.typ, m.lang, 1704067200+m.sec))
				}
			}
			produce(batch1)
			s := e.start(t, "lake_history_sink.sql")
			defer s.Close()
			waitLake(t, e.dataDir, "lake.chat.messages", len(batch1), 30*time.Second)
			time.Sleep(20 * time.Millisecond)
			between := time.Now().UTC()
			time.Sleep(20 * time.Millisecond)
			produce(batch2)
			waitLake(t, e.dataDir, "lake.chat.messages", len(batch1)+len(batch2), 30*time.Second)

			perDay := [][]string{{"2024-01-01", "es", "2"}, {"2024-01-01", "fr", "1"}, {"2024-01-02", "es", "4"}, {"2024-01-02", "de", "1"}}
			if got := adhocRows(t, e.dataDir, stmts[0]); fmt.Sprint(got) != fmt.Sprint(perDay) {
				t.Errorf("messages per language per day:\n got %v\nwant %v", got, perDay)
			}
			top := adhocRows(t, e.dataDir, stmts[1])
			var senders []string
			for _, r := range top {
				senders = append(senders, r[0]+":"+r[1])
			}
			if want := "alice:3 dave:3 bob:1 carol:1"; strings.Join(senders, " ") != want {
				t.Errorf("top senders %v, want %s", senders, want)
			}
			if r := top[0]; r[2] != "2024-01-01T00:00:00Z" || r[3] != "2024-01-02T00:00:20Z" {
				t.Errorf("alice first/last seen %v", r)
			}
			if !strings.Contains(stmts[2], "TIMESTAMP '2024-06-01 00:00:00'") {
				t.Fatalf("the time-travel statement changed: %s", stmts[2])
			}
			asOf := strings.Replace(stmts[2], "2024-06-01 00:00:00", between.Format("2006-01-02 15:04:05.000"), 1)
			hist := adhocRows(t, e.dataDir, asOf)
			want := [][]string{
				{"2024-01-01T00:00:00Z", "hola 1", llm.Translation("es", "hola 1"), "es"},
				{"2024-01-01T00:01:00Z", "hola 2", llm.Translation("es", "hola 2"), "es"},
			}
			if fmt.Sprint(hist) != fmt.Sprint(want) {
				t.Errorf("alice's history as of %s:\n got %v\nwant %v", between, hist, want)
			}
			now := strings.Replace(stmts[2], "FOR SYSTEM_TIME AS OF TIMESTAMP '2024-06-01 00:00:00'", "", 1)
			if n := len(adhocRows(t, e.dataDir, now)); n != 3 {
				t.Errorf("alice's history now: %d rows, want 3", n)
			}
		})
	}
}

// TestFullPipelineQuery: queries/full_pipeline.sql with live rules, a
// baseline in lake.chat.user_stats and the fake LLM: blocked messages are
// dropped, masked words starred out (and the masked text translated),
// flags set, counts read from the lake; dave's burst gives one SPAM alert;
// processing_fanout's records land in lake.chat.messages with the same ids,
// and every USER_MESSAGE (blocked ones too) in lake.chat.user_stats.
func TestFullPipelineQuery(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	for name, brokers := range pipelineBrokers(t) {
		t.Run(name, func(t *testing.T) {
			e := newLakeEnv(t, brokers(t), llm, "moderation_rules", "processing_fanout", "chat_alerts")
			rules := &rulesEnv{brokers: e.brokers, topics: e.topics}
			rules.rule(t, "moderation_rules", "spam", map[string]any{"word": "spam", "action": "block"}, 0)
			rules.rule(t, "moderation_rules", "darn", map[string]any{"word": "darn", "action": "mask"}, 0)
			rules.rule(t, "moderation_rules", "crypto", map[string]any{"word": "crypto", "action": "flag"}, 0)
			seedUserStats(t, e.dataDir, `{"id":"base-alice","username":"alice","messages":10}`, `{"id":"base-bob","username":"bob","messages":3}`)
			type msg struct {
				user, typ, text string
				sec             int64
			}
			script := []msg{
				{"alice", "USER_JOINED", "joined", 0},
				{"alice", "USER_MESSAGE", "darn it", 1},
				{"bob", "USER_MESSAGE", "this is SPAM", 2},
				{"carol", "USER_MESSAGE", "buy crypto now", 3},
			}
			for i := int64(0); i < 6; i++ {
				script = append(script, msg{"dave", "USER_MESSAGE", fmt.Sprintf("coins %d", i), 20 + i})
			}
			script = append(script, msg{"erin", "USER_MESSAGE", "anyone?", 60}) // moves the watermark past dave's burst
			for _, m := range script {
				e.produce(t, seedRecord(m.user, m.text, m.typ, "es", 1704067200+m.sec))
			}
			s := e.start(t, "full_pipeline.sql")
			defer s.Close()

			type out struct {
				Type      string `json:"type"`
				Timestamp int64  `json:"timestamp"`
				Payload   struct {
					ID, Username, Text, Language string
					Translated                   *string
					Flagged                      bool
					TotalMessages                int64 `json:"total_messages"`
				} `json:"payload"`
			}
			recs := kafkatest.Consume(t, e.brokers, e.topic("processing_fanout"), 9, 30*time.Second)
			got := map[string]out{}
			for _, r := range recs {
				var o out
				if err := json.Unmarshal(r.Value, &o); err != nil {
					t.Fatalf("not JSON: %s", r.Value)
				}
				got[o.Payload.Text] = o
			}
			if _, ok := got["this is SPAM"]; ok || len(got) != 9 {
				t.Errorf("published %v, want the 9 messages but the blocked one", sortedKeys(got))
			}
			if o, ok := got["**** it"]; !ok || o.Payload.Username != "alice" || o.Payload.TotalMessages != 10 || o.Payload.Flagged ||
				o.Payload.Translated == nil || *o.Payload.Translated != llm.Translation("es", "**** it") ||
				o.Payload.ID != expectedID(e.topic("websocket_fanout"), 0, 1) || o.Type != "chat_message" || o.Timestamp != 1704067201 {
				t.Errorf("alice's masked message: %+v", o)
			}
			if o := got["buy crypto now"]; !o.Payload.Flagged || o.Payload.TotalMessages != 0 {
				t.Errorf("carol's message: %+v, want flagged and total_messages 0", o)
			}
			for i := 0; i < 6; i++ {
				if o := got[fmt.Sprintf("coins %d", i)]; o.Payload.TotalMessages < 0 || o.Payload.TotalMessages > int64(i) {
					t.Errorf("dave's message %d: total_messages %d, want 0..%d (his earlier ones, once committed)", i, o.Payload.TotalMessages, i)
				}
			}

			alerts := waitFor(t, e.brokers, e.topic("chat_alerts"), 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= 1 })
			if len(alerts) != 1 || alerts[0]["username"] != "dave" || alerts[0]["messages"] != 6.0 || alerts[0]["first_at"] != scriptTime(20) {
				t.Errorf("alerts %v, want one SPAM alert for dave's 6 messages from %s", alerts, scriptTime(20))
			}

			hist := waitLake(t, e.dataDir, "lake.chat.messages", 9, 30*time.Second)
			rows := byKey(hist, "text")
			if len(hist) != 9 || len(rows) != 9 {
				t.Fatalf("lake.chat.messages: %d rows: %v", len(hist), hist)
			}
			for text, o := range got {
				r := rows[text]
				if r == nil || r["id"] != o.Payload.ID || r["username"] != o.Payload.Username || r["type"] != "USER_MESSAGE" ||
					r["language"] != "es" || o.Payload.Translated == nil || r["translated"] != *o.Payload.Translated {
					t.Errorf("history row for %q: %v, published %+v", text, r, o.Payload)
				}
			}
			stats := waitLake(t, e.dataDir, "lake.chat.user_stats", 2+10, 30*time.Second)
			if len(stats) != 12 {
				t.Errorf("lake.chat.user_stats: %d rows, want 12 (2 baseline + 10 messages)", len(stats))
			}
			want := [][]string{{"alice", "11"}, {"bob", "4"}, {"carol", "1"}, {"dave", "6"}, {"erin", "1"}}
			if got := adhocRows(t, e.dataDir, "SELECT username, sum(messages) FROM chat.user_stats GROUP BY 1 ORDER BY 1"); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("totals %v, want %v", got, want)
			}
		})
	}
}

// TestLakeUserStatsInitEmptyLake: on a lake without chat.user_stats,
// queries/lake_user_stats_init.sql creates it empty (twice: no rows), and
// lake_user_stats.sql then runs: its first message counts 0 and is counted.
func TestLakeUserStatsInitEmptyLake(t *testing.T) {
	e := newLakeEnv(t, kafkatest.NewKfake(t), nil, "enriched_messages")
	for i := 0; i < 2; i++ {
		seedUserStats(t, e.dataDir)
		if rows, ok := lakeScan(t, e.dataDir, "lake.chat.user_stats"); !ok || len(rows) != 0 {
			t.Fatalf("after the init file: table exists %v, rows %v", ok, rows)
		}
	}
	e.produce(t, seedRecord("zoe", "first", "USER_MESSAGE", "es", 1704067200))
	s := e.start(t, "lake_user_stats.sql")
	defer s.Close()
	got := waitFor(t, e.brokers, e.topic("enriched_messages"), 30*time.Second, func(rs []map[string]any) bool { return len(rs) >= 1 })
	if got[0]["text"] != "first" || got[0]["total_messages"] != 0.0 {
		t.Errorf("enriched %v, want total_messages 0", got[0])
	}
	if rows := waitLake(t, e.dataDir, "lake.chat.user_stats", 1, 30*time.Second); rows[0]["username"] != "zoe" || rows[0]["messages"] != int64(1) {
		t.Errorf("user_stats %v", rows)
	}
}

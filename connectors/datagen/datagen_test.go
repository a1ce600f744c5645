package datagen

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/conformance"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

var chatSchema = types.NewSchema(
	types.Column{Name: "username", Type: types.String},
	types.Column{Name: "text", Type: types.String},
	types.Column{Name: "type", Type: types.String},
	types.Column{Name: "preferredLanguage", Type: types.String},
	types.Column{Name: "timestamp", Type: types.BigInt},
	types.Column{Name: "event_time", Type: types.TimestampLTZ},
	types.Column{Name: "room", Type: types.String},
	types.Column{Name: "message_id", Type: types.String},
	types.Column{Name: "score", Type: types.Double},
	types.Column{Name: "flag", Type: types.Boolean},
)

func newSource(t testing.TB, raw map[string]string) *Source {
	t.Helper()
	spec := Spec()
	opts, errs := spec.Validate(raw, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	s, err := NewSource(connectors.Config{Name: "gen", Options: opts, Schema: chatSchema})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		raw  map[string]string
		rows int
	}{
		{"bounded", map[string]string{"seed": "7", "rows-per-second": "0", "number-of-rows": "3000", "start-time": "2024-01-01 00:00:00"}, 0},
		{"unbounded with rate", map[string]string{"seed": "7", "rows-per-second": "100000", "start-time": "2024-06-01T12:00:00Z"}, 2500},
	} {
		t.Run(c.name, func(t *testing.T) {
			conformance.RunSource(t, conformance.Source{
				New:           func(t *testing.T) runtime.Source { return newSource(t, c.raw) },
				Rows:          c.rows,
				Deterministic: true,
			})
		})
	}
}

func TestDeterminism(t *testing.T) {
	a, b, c := NewChatGenerator(42), NewChatGenerator(42), NewChatGenerator(43)
	same := 0
	for i := 0; i < 5000; i++ {
		ma, mb, mc := a.Next(), b.Next(), c.Next()
		if ma != mb {
			t.Fatalf("message %d differs for the same seed: %+v vs %+v", i, ma, mb)
		}
		if ma == mc {
			same++
		}
	}
	if same > 100 {
		t.Fatalf("seeds 42 and 43 gave %d identical messages of 5000", same)
	}
}

func TestGeneratorStateRoundTrip(t *testing.T) {
	g := NewChatGenerator(5, WithUsers(200))
	for i := 0; i < 777; i++ {
		g.Next()
	}
	state, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	h := NewChatGenerator(5, WithUsers(200))
	if err := h.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if x, y := g.Next(), h.Next(); x != y {
			t.Fatalf("after restore message %d: %+v vs %+v", i, x, y)
		}
	}
	if err := NewChatGenerator(6, WithUsers(200)).UnmarshalBinary(state); !errors.Is(err, ErrBadGeneratorState) {
		t.Fatalf("restoring into another seed: %v", err)
	}
	if err := NewChatGenerator(5).UnmarshalBinary([]byte("{")); !errors.Is(err, ErrBadGeneratorState) {
		t.Fatalf("garbage state: %v", err)
	}
}

func TestMixProportions(t *testing.T) {
	const n = 100_000
	g := NewChatGenerator(1)
	typeCount := map[string]int{}
	langCount := map[string]int{}
	textCount := map[string]int{}
	userCount := map[string]int{}
	joined := map[string]bool{}
	short := map[string]bool{}
	for _, p := range shortPhrases {
		short[p] = true
	}
	shortN, mentions, urlsN, questions := 0, 0, 0, 0
	var lastTS int64
	for i := 0; i < n; i++ {
		m := g.Next()
		typeCount[m.Type]++
		langCount[m.PreferredLanguage]++
		userCount[m.Username]++
		switch m.Type {
		case TypeJoined:
			if joined[m.Username] {
				t.Fatalf("message %d: %s joined twice without leaving", i, m.Username)
			}
			joined[m.Username] = true
		case TypeMessage, TypeLeft:
			if !joined[m.Username] {
				t.Fatalf("message %d: %s sent %s before joining", i, m.Username, m.Type)
			}
			if m.Type == TypeLeft {
				joined[m.Username] = false
			}
		}
		if m.Type != TypeMessage {
			continue
		}
		textCount[m.Text]++
		switch {
		case short[m.Text]:
			shortN++
		case strings.HasPrefix(m.Text, "@"):
			mentions++
		case strings.Contains(m.Text, "https://"):
			urlsN++
		case strings.ContainsAny(m.Text, "?？"):
			questions++
		}
		if m.Timestamp < lastTS {
			t.Fatalf("timestamps go back at %d", i)
		}
		lastTS = m.Timestamp
	}
	share := func(k int, of int) float64 { return float64(k) / float64(of) }
	msgs := typeCount[TypeMessage]
	checks := []struct {
		what     string
		got      float64
		min, max float64
	}{
		{"USER_MESSAGE share", share(msgs, n), 0.80, 0.97},
		{"USER_JOINED share", share(typeCount[TypeJoined], n), 0.02, 0.12},
		{"USER_LEFT share", share(typeCount[TypeLeft], n), 0.01, 0.08},
		{"short phrases among messages", share(shortN, msgs), 0.30, 0.50},
		{"mentions among messages", share(mentions, msgs), 0.05, 0.15},
		{"links among messages", share(urlsN, msgs), 0.02, 0.08},
		{"questions among messages", share(questions, msgs), 0.10, 0.25},
		{"English readers", share(langCount["en"], n), 0.15, 0.60},
		{"distinct texts among messages", share(len(textCount), msgs), 0, 0.10},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s = %.3f, want in [%.2f, %.2f]", c.what, c.got, c.min, c.max)
		}
	}
	if len(langCount) < 8 {
		t.Errorf("only %d languages: %v", len(langCount), langCount)
	}
	// Skew: the top 1% of users send far more than 1% of the traffic.
	top := 0
	for _, u := range topN(userCount, len(userCount)/100+1) {
		top += userCount[u]
	}
	if s := share(top, n); s < 0.10 {
		t.Errorf("top 1%% of users send %.3f of messages; chat is skewed", s)
	}
	if len(userCount) < 500 {
		t.Errorf("only %d of 1000 users spoke", len(userCount))
	}
}

func topN(m map[string]int, n int) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	for i := 0; i < n && i < len(keys); i++ {
		best := i
		for j := i + 1; j < len(keys); j++ {
			if m[keys[j]] > m[keys[best]] {
				best = j
			}
		}
		keys[i], keys[best] = keys[best], keys[i]
	}
	return keys[:min(n, len(keys))]
}

func TestAppendJSONSeedFormat(t *testing.T) {
	m := ChatMessage{Username: "alice", Text: "Hello world!", Type: TypeJoined, PreferredLanguage: "es", Timestamp: 1704067200}
	const want = `{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}`
	if got := string(m.AppendJSON(nil)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	g := NewChatGenerator(3)
	for i := 0; i < 2000; i++ {
		rec := g.Next().AppendJSON(nil)
		var v map[string]any
		if err := json.Unmarshal(rec, &v); err != nil || len(v) != 5 {
			t.Fatalf("record %s: %v", rec, err)
		}
	}
}

func TestSourceColumns(t *testing.T) {
	s := newSource(t, map[string]string{"seed": "9", "rows-per-second": "1000", "number-of-rows": "5000", "start-time": "1704067200000"})
	if !s.Bounded() {
		t.Fatal("number-of-rows makes the source bounded")
	}
	if err := s.Open(context.Background(), &runtime.SourceContext{}, nil); err != nil {
		t.Fatal(err)
	}
	s.sleep = func(context.Context, time.Duration) {}
	s.started = time.Now().Add(-time.Hour) // every row is due
	var rows []types.Row
	for {
		b, err := s.Poll(context.Background())
		if errors.Is(err, runtime.ErrEndOfInput) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			rows = append(rows, b.Rows...)
		}
	}
	if len(rows) != 5000 {
		t.Fatalf("%d rows, want 5000", len(rows))
	}
	ids := map[string]bool{}
	for i, r := range rows {
		if r[0].Kind() != types.KindString || r[0].Str() == "" || r[2].Str() == "" || r[3].Str() == "" {
			t.Fatalf("row %d = %v", i, r)
		}
		// 1000 rows per second of event time from the start time.
		if want := int64(1704067200 + i/1000); r[4] != types.NewBigInt(want) {
			t.Fatalf("row %d timestamp = %v, want %d", i, r[4], want)
		}
		if r[5] != types.NewTimestampLTZ(int64(1704067200_000_000+i*1000)) {
			t.Fatalf("row %d event_time = %v", i, r[5])
		}
		if ids[r[7].Str()] {
			t.Fatalf("duplicate id %s", r[7])
		}
		ids[r[7].Str()] = true
		if r[8].Kind() != types.KindDouble || r[9].Kind() != types.KindBoolean {
			t.Fatalf("row %d random columns = %v", i, r)
		}
	}
}

func TestRateLimit(t *testing.T) {
	s := newSource(t, map[string]string{"seed": "1", "rows-per-second": "2000"})
	if s.Bounded() {
		t.Fatal("without number-of-rows the source is unbounded")
	}
	s.Open(context.Background(), &runtime.SourceContext{}, nil)
	start := time.Now()
	n := 0
	for time.Since(start) < 300*time.Millisecond {
		b, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			n += len(b.Rows)
		}
	}
	if el := time.Since(start).Seconds(); float64(n) > el*2000+50 {
		t.Fatalf("%d rows in %.2fs at 2000 rows/s", n, el)
	}
	if n < 100 {
		t.Fatalf("only %d rows in 300ms at 2000 rows/s", n)
	}
}

func TestBadOptions(t *testing.T) {
	spec := Spec()
	for _, raw := range []map[string]string{{"start-time": "yesterday"}, {"users": "0"}, {"rows-per-second": "-1"}} {
		opts, errs := spec.Validate(raw, true)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if _, err := NewSource(connectors.Config{Name: "g", Options: opts, Schema: chatSchema}); !errors.Is(err, connectors.ErrBadOption) {
			t.Errorf("options %v: err = %v, want ErrBadOption", raw, err)
		}
	}
}

func BenchmarkChatGenerator(b *testing.B) {
	g := NewChatGenerator(1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = g.Next().AppendJSON(buf[:0])
	}
}

func BenchmarkSource(b *testing.B) {
	s := newSource(b, map[string]string{"seed": "1", "rows-per-second": "0"})
	s.Open(context.Background(), &runtime.SourceContext{}, nil)
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		batch, _ := s.Poll(context.Background())
		rows += len(batch.Rows)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

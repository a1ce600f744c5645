package udf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTranslateCacheKeyNormalises(t *testing.T) {
	a := translateCacheKey("  hello   world ", "ES", "m")
	b := translateCacheKey("hello world", "es", "m")
	if a != b {
		t.Errorf("keys differ: %q %q", a, b)
	}
	if translateCacheKey("hello world", "es", "m2") == b || translateCacheKey("hello world", "fr", "m") == b ||
		translateCacheKey("Hello world", "es", "m") == b {
		t.Error("different model, language or case share a key")
	}
	if got := normalizeChatText("a\tb\n c"); got != "a b c" {
		t.Errorf("normalizeChatText = %q", got)
	}
}

func TestTranslateCacheLRUAndTTL(t *testing.T) {
	c := newTranslateCache(2, time.Minute)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	c.put("a", "A", now)
	c.put("b", "B", now)
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", "C", now) // evicts b
	if _, ok := c.get("b"); ok {
		t.Error("b survived eviction")
	}
	if v, ok := c.get("a"); !ok || v != "A" {
		t.Errorf("a = %q %v", v, ok)
	}
	now = now.Add(2 * time.Minute)
	if _, ok := c.get("a"); ok {
		t.Error("a outlived its TTL")
	}
	c.put("old", "x", now.Add(-time.Hour)) // from a journal, expired
	if _, ok := c.get("old"); ok {
		t.Error("an expired journal entry was stored")
	}
}

func TestTranslateJournalSurvivesRestartAndTornLine(t *testing.T) {
	dir := t.TempDir()
	c := newTranslateCache(100, time.Hour)
	j, n, err := openTranslateJournal(dir, c)
	if err != nil || n != 0 {
		t.Fatal(n, err)
	}
	now := time.Now()
	k1, k2 := translateCacheKey("hi", "es", "m"), translateCacheKey("bye", "es", "m")
	if err := j.append(c, []journalRecord{{K: k1, V: "hola", T: now.UnixMilli()}, {K: k2, V: "adiós", T: now.UnixMilli()}}); err != nil {
		t.Fatal(err)
	}
	// no close: a kill -9 leaves the file as it is, plus a torn last line
	f, _ := os.OpenFile(filepath.Join(dir, translateJournalName), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"k":"v2` + "\x00" + `m","v":"tor`)
	f.Close()
	// and a record of another prompt version
	c2 := newTranslateCache(100, time.Hour)
	j2, n, err := openTranslateJournal(dir, c2)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.close()
	if n != 2 {
		t.Errorf("loaded %d records, want 2", n)
	}
	if v, ok := c2.get(k2); !ok || v != "adiós" {
		t.Errorf("bye = %q %v", v, ok)
	}
}

func TestTranslateJournalRewritesWhenLong(t *testing.T) {
	dir := t.TempDir()
	c := newTranslateCache(10, time.Hour)
	j, _, err := openTranslateJournal(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	now := time.Now()
	for i := 0; i < 3000; i++ {
		k := translateCacheKey(strings.Repeat("x", i%50)+string(rune('a'+i%26)), "es", "m")
		c.put(k, "t", now)
		if err := j.append(c, []journalRecord{{K: k, V: "t", T: now.UnixMilli()}}); err != nil {
			t.Fatal(err)
		}
	}
	if j.records > j.limit {
		t.Errorf("journal holds %d records, limit %d", j.records, j.limit)
	}
	c2 := newTranslateCache(10, time.Hour)
	j2, n, err := openTranslateJournal(dir, c2)
	if err != nil {
		t.Fatal(err)
	}
	j2.close()
	if n == 0 || c2.len() != 10 {
		t.Errorf("reloaded %d records, cache holds %d", n, c2.len())
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(600) // 10/s, burst 60
	now := time.Unix(0, 0)
	for i := 0; i < 60; i++ {
		if d := b.reserve(now, 1); d != 0 {
			t.Fatalf("request %d of the burst waits %v", i, d)
		}
	}
	if d := b.reserve(now, 1); d < 90*time.Millisecond || d > 110*time.Millisecond {
		t.Errorf("61st request waits %v, want ~100ms", d)
	}
	if d := newTokenBucket(0).reserve(now, 1e9); d != 0 {
		t.Errorf("unlimited bucket waits %v", d)
	}
}

func TestCircuitBreaker(t *testing.T) {
	b := circuitBreaker{threshold: 3, cooldown: time.Second}
	now := time.Unix(0, 0)
	for i := 0; i < 2; i++ {
		if !b.allow(now) {
			t.Fatal("closed breaker refused")
		}
		if opened, _ := b.record(now, FailureServerError, true); opened {
			t.Fatal("opened early")
		}
	}
	b.record(now, FailureRateLimited, true) // a 429 means the endpoint is up
	if b.fails != 0 {
		t.Errorf("a 429 did not reset the failure count: %d", b.fails)
	}
	for i := 0; i < 3; i++ {
		b.allow(now)
		if opened, _ := b.record(now, FailureTimeout, true); opened != (i == 2) {
			t.Fatalf("attempt %d: opened=%v", i, opened)
		}
	}
	if b.allow(now.Add(500 * time.Millisecond)) {
		t.Error("open breaker let a request through")
	}
	now = now.Add(1100 * time.Millisecond)
	if !b.allow(now) {
		t.Fatal("no probe after the cooldown")
	}
	if b.allow(now) {
		t.Error("a second probe while the first is out")
	}
	if reopened, _ := b.record(now, FailureNetwork, true); !reopened {
		t.Error("a failed probe did not reopen")
	}
	now = now.Add(1100 * time.Millisecond)
	b.allow(now)
	if _, closed := b.record(now, "", false); !closed {
		t.Error("a good probe did not close")
	}
	if !b.allow(now) || !b.allow(now) {
		t.Error("closed breaker refused")
	}
}

func TestParseBatchAnswer(t *testing.T) {
	src := []string{"Hello", "bye", `"quoted"`}
	tests := []struct {
		content string
		want    []string
		bad     bool
	}{
		{`[{"id":1,"text":"Hola"},{"id":2,"text":"adiós"},{"id":3,"text":"\"citado\""}]`, []string{"Hola", "adiós", `"citado"`}, false},
		{"```json\n[{\"id\":2,\"text\":\"adiós\"},{\"id\":1,\"text\":\" Hola \"},{\"id\":3,\"text\":\"x\"}]\n```", []string{"Hola", "adiós", "x"}, false},
		{`["Hola","adiós","x"]`, []string{"Hola", "adiós", "x"}, false},
		{`[{"id":1,"text":"Hola"},{"id":2,"text":"adiós"}]`, nil, true},
		{`[{"id":1,"text":"Hola"},{"id":1,"text":"adiós"},{"id":3,"text":"x"}]`, nil, true},
		{`[{"id":1,"text":"Hola"},{"id":2},{"id":3,"text":"x"}]`, nil, true},
		{`Sure! Here are the translations: Hola, adiós, x`, nil, true},
		{`["Hola","adiós"]`, nil, true},
	}
	for _, tt := range tests {
		got, err := parseBatchAnswer(tt.content, src)
		if tt.bad {
			if !errors.Is(err, errBatchMalformed) {
				t.Errorf("%q: err = %v, want malformed", tt.content, err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: got %q, %v; want %q", tt.content, got, err, tt.want)
		}
	}
}

func TestBatchPromptRoundTrip(t *testing.T) {
	texts := []string{"Hello @bob 👋", `say "hi"`, "line1\nline2"}
	system, user := TranslateBatchPrompt("pt-BR", texts)
	lang, got, ok := ParseTranslateBatchPrompt(system, user)
	if !ok || lang != "pt-BR" || strings.Join(got, "|") != strings.Join(texts, "|") {
		t.Fatalf("round trip: %q %q %v", lang, got, ok)
	}
	if !strings.Contains(system, "Brazilian Portuguese") {
		t.Errorf("system prompt does not name the language: %s", system)
	}
	if _, _, ok := ParseTranslatePrompt(system, user); ok {
		t.Error("a batch prompt parsed as a single one")
	}
	ans := FormatTranslateBatchAnswer([]string{"a", "b", "c"})
	if out, err := parseBatchAnswer(ans, texts); err != nil || len(out) != 3 {
		t.Errorf("FormatTranslateBatchAnswer does not parse back: %v %v", out, err)
	}
}

func TestModelBudgetPauseHoldsEveryRequest(t *testing.T) {
	m := newModelBudget(TranslateConfig{})
	m.pause(150 * time.Millisecond)
	start := time.Now()
	if _, err := m.wait(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Errorf("waited %v after a 150ms pause", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.pause(time.Hour)
	cancel()
	if _, err := m.wait(ctx, 10); err == nil {
		t.Error("a canceled wait returned no error")
	}
}

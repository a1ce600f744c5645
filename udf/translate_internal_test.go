package udf

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTranslatePromptRoundTrip(t *testing.T) {
	tests := []struct{ lang, wantName string }{
		{"es", "Spanish"}, {"ES", "Spanish"}, {"pt-BR", "Brazilian Portuguese"}, {"zh_TW", "Chinese (Traditional)"},
		{"es-MX", "Spanish"}, {"Klingon", "Klingon"}, {" fr ", "French"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			system, user := TranslatePrompt("Hi @bob 👋 see https://x.io", tt.lang)
			if !strings.Contains(system, "into "+tt.wantName+" (") {
				t.Errorf("system prompt does not name %q: %s", tt.wantName, system)
			}
			lang, text, ok := ParseTranslatePrompt(system, user)
			if !ok || lang != strings.TrimSpace(tt.lang) || text != "Hi @bob 👋 see https://x.io" {
				t.Errorf("parsed %q %q %v", lang, text, ok)
			}
		})
	}
	if _, _, ok := ParseTranslatePrompt("You are a helpful assistant.", "hi"); ok {
		t.Error("a foreign prompt parsed")
	}
}

func TestCleanTranslation(t *testing.T) {
	tests := []struct{ out, src, want string }{
		{"  ¡Hola mundo!\n", "Hello world!", "¡Hola mundo!"},
		{`"¡Hola mundo!"`, "Hello world!", "¡Hola mundo!"},
		{`« Bonjour »`, "Hello", "Bonjour"},
		{`"'Hallo'"`, "Hello", "Hallo"},
		{`"quoted"`, `"quoted"`, `"quoted"`}, // the source had the quotes
		{`"`, "x", `"`},
		{"", "x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.out, func(t *testing.T) {
			if got := cleanTranslation(tt.out, tt.src); got != tt.want {
				t.Errorf("cleanTranslation(%q, %q) = %q, want %q", tt.out, tt.src, got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"none", nil, 0},
		{"seconds", map[string]string{"Retry-After": "2"}, 2 * time.Second},
		{"fractional seconds", map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{"http date", map[string]string{"Retry-After": now.Add(3 * time.Second).Format(http.TimeFormat)}, 3 * time.Second},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{"ms wins", map[string]string{"Retry-After": "2", "retry-after-ms": "150"}, 150 * time.Millisecond},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"capped", map[string]string{"Retry-After": "999999"}, translateMaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			if got := retryAfter(resp, now); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTranslateBackoff(t *testing.T) {
	initial, max := 100*time.Millisecond, time.Second
	for retry, ceiling := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		ceiling *= time.Millisecond
		if got := translateBackoffCeiling(initial, max, retry); got != ceiling {
			t.Errorf("ceiling(%d) = %v, want %v", retry, got, ceiling)
		}
		for range 50 {
			if d := translateBackoff(initial, max, retry); d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, outside [%v, %v]", retry, d, ceiling/2, ceiling)
			}
		}
	}
	if got := translateBackoffCeiling(time.Millisecond, time.Hour, 200); got != time.Hour {
		t.Errorf("no overflow expected, got %v", got)
	}
}

func TestParseTranslateConfig(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-env")
	t.Setenv("OPENAI_BASE_URL", "")
	c, err := ParseTranslateConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != DefaultTranslationModel || c.APIKey != "sk-env" || c.EffectiveBaseURL() != OpenAIDefaultBaseURL ||
		c.Timeout != 10*time.Second || c.MaxRetries != 3 || c.InitialBackoff != 200*time.Millisecond ||
		c.MaxBackoff != 10*time.Second || c.Capacity != DefaultTranslationCapacity || !c.HasProvider() ||
		c.Provider != ProviderOpenAI || c.BatchWindow != 50*time.Millisecond || c.BatchMaxSize != 32 || c.CacheSize != 100_000 ||
		c.RequestsPerMin != 0 || !c.Skip || c.Prices["gpt-4o-mini"] != (ModelPrice{0.15, 0.60}) {
		t.Errorf("defaults: %+v", c)
	}
	c, err = ParseTranslateConfig(map[string]string{
		"translation.modelname":             "llama3",
		SettingTranslationAPIKey:            "",
		SettingTranslationBaseURL:           "http://localhost:11434/v1",
		SettingTranslationTimeout:           "500 ms",
		SettingTranslationMaxRetries:        "0",
		SettingTranslationInitialBackoff:    "1s",
		SettingTranslationMaxBackoff:        "1 min",
		SettingTranslationHeaders:           "a=1;b = x=y ;",
		SettingTranslationCapacity:          "7",
		SettingTranslationProvider:          "APERTIUM",
		SettingTranslationBatchWindow:       "0",
		SettingTranslationRequestsPerMinute: "500",
		SettingTranslationSkip:              "false",
		SettingTranslationPrices:            "llama3=0/0; gpt-4o-mini = 1/2",
		SettingTranslationBreakerCooldown:   "5 s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "llama3" || c.APIKey != "" || c.BaseURL != "http://localhost:11434/v1" || c.Timeout != 500*time.Millisecond ||
		c.MaxRetries != 0 || c.MaxBackoff != time.Minute || c.Capacity != 7 || c.Headers["a"] != "1" || c.Headers["b"] != "x=y" ||
		c.Provider != ProviderApertium || c.BatchWindow != 0 || c.RequestsPerMin != 500 || c.Skip ||
		c.Prices["gpt-4o-mini"] != (ModelPrice{1, 2}) || c.Prices["llama3"] != (ModelPrice{}) || c.BreakerCool != 5*time.Second {
		t.Errorf("parsed: %+v", c)
	}
	if c.CallBudget() != 500*time.Millisecond {
		t.Errorf("CallBudget = %v", c.CallBudget())
	}
	bad := []map[string]string{
		{SettingTranslationTimeout: "0s"},
		{SettingTranslationCapacity: "0"},
		{SettingTranslationMaxRetries: "three"},
		{SettingTranslationMaxBackoff: "fast"},
		{SettingTranslationHeaders: "novalue"},
		{SettingTranslationProvider: "deepl"},
		{SettingTranslationBatchMaxSize: "0"},
		{SettingTranslationSkip: "maybe"},
		{SettingTranslationPrices: "gpt-4o=cheap"},
		{SettingTranslationCacheTTL: "forever"},
	}
	for _, s := range bad {
		if _, err := ParseTranslateConfig(s); err == nil {
			t.Errorf("%v accepted", s)
		}
	}
}

package udf

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chatsql/chatsql/connectors"
)

// Session settings read by TRANSLATE (SET 'translation.modelName' = '...').
// The planner maps the CLI flags onto them: --translation-model, --api-key,
// --llm-base-url.
const (
	SettingTranslationModel          = "translation.modelName"
	SettingTranslationAPIKey         = "translation.api-key"
	SettingTranslationBaseURL        = "translation.base-url"
	SettingTranslationTimeout        = "translation.timeout"
	SettingTranslationMaxRetries     = "translation.max-retries"
	SettingTranslationInitialBackoff = "translation.retry.initial-backoff"
	SettingTranslationMaxBackoff     = "translation.retry.max-backoff"
	SettingTranslationHeaders        = "translation.headers"
	SettingTranslationCapacity       = "translation.capacity"

	SettingTranslationProvider          = "translation.provider"
	SettingTranslationBatchWindow       = "translation.batch.window"
	SettingTranslationBatchMaxSize      = "translation.batch.max-size"
	SettingTranslationBatchMaxTokens    = "translation.batch.max-tokens"
	SettingTranslationCacheSize         = "translation.cache.size"
	SettingTranslationCacheTTL          = "translation.cache.ttl"
	SettingTranslationRequestsPerMinute = "translation.requests-per-minute"
	SettingTranslationTokensPerMinute   = "translation.tokens-per-minute"
	SettingTranslationMaxConcurrent     = "translation.max-concurrent-requests"
	SettingTranslationBreakerFailures   = "translation.circuit-breaker.failures"
	SettingTranslationBreakerCooldown   = "translation.circuit-breaker.cooldown"
	SettingTranslationSkip              = "translation.skip"
	SettingTranslationApertiumSource    = "translation.apertium.source-language"
	SettingTranslationPrices            = "translation.prices"
)

// Translation providers (translation.provider).
const (
	ProviderAuto     = "auto"     // openai when a key or base URL is set, else none
	ProviderOpenAI   = "openai"   // any OpenAI-compatible Chat Completions endpoint
	ProviderApertium = "apertium" // the offline Apertium engine
	ProviderNone     = "none"     // TRANSLATE returns NULL (said once)
)

// Defaults of the translation settings. The API key and base URL default to
// the environment variables the OpenAI SDKs read.
const (
	DefaultTranslationModel          = "gpt-4o-mini"
	DefaultTranslationTimeout        = 10 * time.Second
	DefaultTranslationMaxRetries     = 3
	DefaultTranslationInitialBackoff = 200 * time.Millisecond
	DefaultTranslationMaxBackoff     = 10 * time.Second
	// DefaultTranslationCapacity is the rows in flight per TRANSLATE
	// operator: with batching most of them wait in a batch or on a shared
	// request, not each on a connection of its own. At 2,000 rows/s and a
	// 300 ms LLM about 700 are in flight.
	DefaultTranslationCapacity        = 1000
	DefaultTranslationBatchWindow     = 50 * time.Millisecond
	DefaultTranslationBatchMaxSize    = 32
	DefaultTranslationBatchMaxTokens  = 4000
	DefaultTranslationCacheSize       = 100_000
	DefaultTranslationCacheTTL        = 24 * time.Hour
	DefaultTranslationMaxConcurrent   = 64
	DefaultTranslationBreakerFailures = 5
	DefaultTranslationBreakerCooldown = 30 * time.Second
	// OpenAIDefaultBaseURL is used when neither translation.base-url nor
	// OPENAI_BASE_URL is set.
	OpenAIDefaultBaseURL = "https://api.openai.com/v1/"
)

// TranslationSetting documents one setting, for SHOW, "did you mean" and docs.
type TranslationSetting struct {
	Name    string
	Default string
	Doc     string
}

// TranslationSettings lists every translation.* setting with its default.
var TranslationSettings = []TranslationSetting{
	{SettingTranslationModel, DefaultTranslationModel, "model used when TRANSLATE has no third argument"},
	{SettingTranslationAPIKey, "$OPENAI_API_KEY", "bearer key sent to the provider (none: no Authorization header)"},
	{SettingTranslationBaseURL, "$OPENAI_BASE_URL, else " + OpenAIDefaultBaseURL, "OpenAI-compatible base URL; requests go to {base}/chat/completions"},
	{SettingTranslationTimeout, "10 s", "timeout of one HTTP attempt"},
	{SettingTranslationMaxRetries, strconv.Itoa(DefaultTranslationMaxRetries), "retries after the first attempt (408, 409, 429, 5xx, timeouts, connection errors)"},
	{SettingTranslationInitialBackoff, "200 ms", "first retry backoff; doubles per retry, with jitter"},
	{SettingTranslationMaxBackoff, "10 s", "upper bound of the exponential backoff (Retry-After is honoured beyond it)"},
	{SettingTranslationHeaders, "", "extra HTTP headers, 'k1=v1;k2=v2' (e.g. Azure's api-key)"},
	{SettingTranslationCapacity, strconv.Itoa(DefaultTranslationCapacity), "maximum rows waiting for TRANSLATE per operator (in a batch, on a request or in a retry)"},
	{SettingTranslationProvider, ProviderAuto, "auto | openai | apertium | none; auto is openai when a key or base URL is set, else none"},
	{SettingTranslationBatchWindow, "50 ms", "how long the first text of a batch waits for others into the same language and model (0: no batching)"},
	{SettingTranslationBatchMaxSize, strconv.Itoa(DefaultTranslationBatchMaxSize), "most texts in one request"},
	{SettingTranslationBatchMaxTokens, strconv.Itoa(DefaultTranslationBatchMaxTokens), "most estimated input tokens of texts in one request"},
	{SettingTranslationCacheSize, strconv.Itoa(DefaultTranslationCacheSize), "translations kept per job (least recently used go first; 0: no cache)"},
	{SettingTranslationCacheTTL, "24 h", "how long a cached translation is reused"},
	{SettingTranslationRequestsPerMinute, "0", "requests per minute per model (0: no limit); requests wait for the budget instead of drawing 429s"},
	{SettingTranslationTokensPerMinute, "0", "estimated tokens per minute per model (0: no limit)"},
	{SettingTranslationMaxConcurrent, strconv.Itoa(DefaultTranslationMaxConcurrent), "requests in flight to the provider per job"},
	{SettingTranslationBreakerFailures, strconv.Itoa(DefaultTranslationBreakerFailures), "consecutive failed attempts (5xx, timeouts, connection errors) that open the circuit breaker (0: never)"},
	{SettingTranslationBreakerCooldown, "30 s", "how long an open breaker refuses calls (NULL at once, counted) before one probe request"},
	{SettingTranslationSkip, "true", "no call for empty text, text of only emoji/URLs/@mentions, or text detected to be in the target language already"},
	{SettingTranslationApertiumSource, "en", "source language for the apertium provider when it cannot be detected"},
	{SettingTranslationPrices, "", "USD per million input/output tokens by model, 'model=in/out;...', over the built-in table (gpt-4o-mini=0.15/0.60, ...)"},
}

// ErrTranslateSetting is wrapped by ParseTranslateConfig for a bad value.
var ErrTranslateSetting = errors.New("bad translation setting")

// TranslateConfig is the resolved configuration of TRANSLATE for one job.
type TranslateConfig struct {
	Model          string
	APIKey         string
	BaseURL        string // "" when neither the setting nor OPENAI_BASE_URL is set
	Timeout        time.Duration
	MaxRetries     int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Headers        map[string]string
	Capacity       int

	Provider       string // one of the Provider* constants, resolved (never auto)
	BatchWindow    time.Duration
	BatchMaxSize   int
	BatchMaxTokens int
	CacheSize      int
	CacheTTL       time.Duration
	RequestsPerMin int
	TokensPerMin   int
	MaxConcurrent  int
	BreakerFails   int
	BreakerCool    time.Duration
	Skip           bool
	ApertiumSource string
	Prices         map[string]ModelPrice
}

// HasProvider reports whether an LLM endpoint is configured. A base URL
// without a key is a provider (Ollama, vLLM); neither is not: TRANSLATE then
// returns NULL rather than calling OpenAI anonymously.
func (c TranslateConfig) HasProvider() bool { return c.Provider != ProviderNone }

// EffectiveBaseURL is the base URL requests go to.
func (c TranslateConfig) EffectiveBaseURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return OpenAIDefaultBaseURL
}

// CallBudget is the longest one call can take with every attempt timing out
// and every backoff at its maximum (Retry-After aside). The async operator's
// per-row timeout should not be shorter, or it cuts retries off.
func (c TranslateConfig) CallBudget() time.Duration {
	total := time.Duration(c.MaxRetries+1) * c.Timeout
	for i := 0; i < c.MaxRetries; i++ {
		total += translateBackoffCeiling(c.InitialBackoff, c.MaxBackoff, i)
	}
	return total
}

// ParseTranslateConfig resolves the translation settings (keys are matched
// case-insensitively) over their defaults and the environment.
func ParseTranslateConfig(settings map[string]string) (TranslateConfig, error) {
	c := TranslateConfig{
		Model:          DefaultTranslationModel,
		APIKey:         os.Getenv("OPENAI_API_KEY"),
		BaseURL:        os.Getenv("OPENAI_BASE_URL"),
		Timeout:        DefaultTranslationTimeout,
		MaxRetries:     DefaultTranslationMaxRetries,
		InitialBackoff: DefaultTranslationInitialBackoff,
		MaxBackoff:     DefaultTranslationMaxBackoff,
		Capacity:       DefaultTranslationCapacity,
		BatchWindow:    DefaultTranslationBatchWindow,
		BatchMaxSize:   DefaultTranslationBatchMaxSize,
		BatchMaxTokens: DefaultTranslationBatchMaxTokens,
		CacheSize:      DefaultTranslationCacheSize,
		CacheTTL:       DefaultTranslationCacheTTL,
		MaxConcurrent:  DefaultTranslationMaxConcurrent,
		BreakerFails:   DefaultTranslationBreakerFailures,
		BreakerCool:    DefaultTranslationBreakerCooldown,
		Skip:           true,
		ApertiumSource: "en",
		Provider:       ProviderAuto,
	}
	var errs []error
	if v, ok := translateSetting(settings, SettingTranslationModel); ok && strings.TrimSpace(v) != "" {
		c.Model = strings.TrimSpace(v)
	}
	if v, ok := translateSetting(settings, SettingTranslationAPIKey); ok {
		c.APIKey = strings.TrimSpace(v)
	}
	if v, ok := translateSetting(settings, SettingTranslationBaseURL); ok {
		c.BaseURL = strings.TrimSpace(v)
	}
	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{SettingTranslationTimeout, &c.Timeout},
		{SettingTranslationInitialBackoff, &c.InitialBackoff},
		{SettingTranslationMaxBackoff, &c.MaxBackoff},
		{SettingTranslationBatchWindow, &c.BatchWindow},
		{SettingTranslationCacheTTL, &c.CacheTTL},
		{SettingTranslationBreakerCooldown, &c.BreakerCool},
	}
	for _, d := range durations {
		v, ok := translateSetting(settings, d.name)
		if !ok {
			continue
		}
		dur, err := connectors.ParseDuration(v)
		if err != nil || dur < 0 {
			errs = append(errs, fmt.Errorf("%w %s = '%s': want a duration such as '10 s' or '500ms'", ErrTranslateSetting, d.name, v))
			continue
		}
		*d.dst = dur
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("%w %s: must be positive", ErrTranslateSetting, SettingTranslationTimeout))
	}
	ints := []struct {
		name string
		dst  *int
		min  int
	}{
		{SettingTranslationMaxRetries, &c.MaxRetries, 0},
		{SettingTranslationCapacity, &c.Capacity, 1},
		{SettingTranslationBatchMaxSize, &c.BatchMaxSize, 1},
		{SettingTranslationBatchMaxTokens, &c.BatchMaxTokens, 1},
		{SettingTranslationCacheSize, &c.CacheSize, 0},
		{SettingTranslationRequestsPerMinute, &c.RequestsPerMin, 0},
		{SettingTranslationTokensPerMinute, &c.TokensPerMin, 0},
		{SettingTranslationMaxConcurrent, &c.MaxConcurrent, 1},
		{SettingTranslationBreakerFailures, &c.BreakerFails, 0},
	}
	for _, n := range ints {
		v, ok := translateSetting(settings, n.name)
		if !ok {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < n.min {
			errs = append(errs, fmt.Errorf("%w %s = '%s': want an integer >= %d", ErrTranslateSetting, n.name, v, n.min))
			continue
		}
		*n.dst = i
	}
	if v, ok := translateSetting(settings, SettingTranslationHeaders); ok {
		h, err := parseTranslateHeaders(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.Headers = h
	}
	if v, ok := translateSetting(settings, SettingTranslationSkip); ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("%w %s = '%s': want true or false", ErrTranslateSetting, SettingTranslationSkip, v))
		}
		c.Skip = b || err != nil
	}
	if v, ok := translateSetting(settings, SettingTranslationApertiumSource); ok && strings.TrimSpace(v) != "" {
		c.ApertiumSource = strings.TrimSpace(v)
	}
	c.Prices = map[string]ModelPrice{}
	for k, v := range DefaultModelPrices {
		c.Prices[k] = v
	}
	if v, ok := translateSetting(settings, SettingTranslationPrices); ok {
		if err := parseModelPrices(v, c.Prices); err != nil {
			errs = append(errs, err)
		}
	}
	if v, ok := translateSetting(settings, SettingTranslationProvider); ok && strings.TrimSpace(v) != "" {
		c.Provider = strings.ToLower(strings.TrimSpace(v))
	}
	switch c.Provider {
	case ProviderAuto:
		c.Provider = ProviderNone
		if c.APIKey != "" || c.BaseURL != "" {
			c.Provider = ProviderOpenAI
		}
	case ProviderOpenAI, ProviderApertium, ProviderNone:
	default:
		errs = append(errs, fmt.Errorf("%w %s = '%s': want auto, openai, apertium or none", ErrTranslateSetting, SettingTranslationProvider, c.Provider))
		c.Provider = ProviderNone
	}
	if c.MaxBackoff < c.InitialBackoff {
		c.MaxBackoff = c.InitialBackoff
	}
	return c, errors.Join(errs...)
}

// translateSetting looks a key up exactly, then case-insensitively, since
// SET may have normalised the case of 'translation.modelName'.
func translateSetting(settings map[string]string, key string) (string, bool) {
	if v, ok := settings[key]; ok {
		return v, true
	}
	for k, v := range settings {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// parseTranslateHeaders reads 'k1=v1;k2=v2'.
func parseTranslateHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t:") {
			return out, fmt.Errorf("%w %s: '%s' is not name=value (use 'k1=v1;k2=v2')", ErrTranslateSetting, SettingTranslationHeaders, part)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// ModelPrice is what a model costs, in USD per million tokens.
type ModelPrice struct{ Input, Output float64 }

// DefaultModelPrices are list prices (USD per million tokens, standard
// tier) of common translation models, for the estimated-cost metric;
// translation.prices overrides or adds entries. A model not listed has no
// estimated cost.
var DefaultModelPrices = map[string]ModelPrice{
	"gpt-4o-mini":   {0.15, 0.60},
	"gpt-4o":        {2.50, 10.00},
	"gpt-4.1":       {2.00, 8.00},
	"gpt-4.1-mini":  {0.40, 1.60},
	"gpt-4.1-nano":  {0.10, 0.40},
	"gpt-3.5-turbo": {0.50, 1.50},
}

// parseModelPrices reads 'model=in/out;model2=in/out' into prices.
func parseModelPrices(s string, prices map[string]ModelPrice) error {
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		model, io, ok := strings.Cut(part, "=")
		in, out, ok2 := strings.Cut(io, "/")
		fi, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
		fo, err2 := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || fi < 0 || fo < 0 || strings.TrimSpace(model) == "" {
			return fmt.Errorf("%w %s: '%s' is not model=input/output (USD per million tokens, e.g. 'gpt-4o-mini=0.15/0.60')",
				ErrTranslateSetting, SettingTranslationPrices, part)
		}
		prices[strings.TrimSpace(model)] = ModelPrice{fi, fo}
	}
	return nil
}

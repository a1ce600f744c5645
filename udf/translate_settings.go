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
)

// Defaults of the translation settings. The API key and base URL default to
// the environment variables the OpenAI SDKs read.
const (
	DefaultTranslationModel          = "gpt-4o-mini"
	DefaultTranslationTimeout        = 10 * time.Second
	DefaultTranslationMaxRetries     = 3
	DefaultTranslationInitialBackoff = 200 * time.Millisecond
	DefaultTranslationMaxBackoff     = 10 * time.Second
	DefaultTranslationCapacity       = 100
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
	{SettingTranslationCapacity, strconv.Itoa(DefaultTranslationCapacity), "maximum TRANSLATE calls in flight per operator"},
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
}

// HasProvider reports whether an LLM endpoint is configured. A base URL
// without a key is a provider (Ollama, vLLM); neither is not: TRANSLATE then
// returns NULL rather than calling OpenAI anonymously.
func (c TranslateConfig) HasProvider() bool { return c.APIKey != "" || c.BaseURL != "" }

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

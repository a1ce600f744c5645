package session

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner"
	"github.com/chatsql/chatsql/udf"
)

// Setting documents one session setting (SET 'key' = 'value').
type Setting struct {
	Name    string
	Default string
	Doc     string
	Secret  bool // shown masked by SET
}

// Settings lists every setting the engine reads. Flags map onto them:
// --kafka-brokers, --api-key, --translation-model, --llm-base-url,
// --checkpoint-interval.
var Settings = func() []Setting {
	s := []Setting{
		{Name: planner.SettingKafkaBrokers, Default: "localhost:19092", Doc: "Kafka bootstrap servers for connectors that set no 'properties.bootstrap.servers'"},
		{Name: planner.SettingCheckpointInterval, Default: "10 s", Doc: "time between checkpoints of a job"},
		{Name: planner.SettingIdleTimeout, Default: "5 s", Doc: "a source partition that sends nothing for this long no longer holds back the watermark"},
		{Name: planner.SettingAsyncTimeout, Default: "2 min", Doc: "overall time an async call (TRANSLATE with its retries) may take before the row gets NULL"},
		{Name: planner.SettingAsyncOrdered, Default: "true", Doc: "async results leave in input order (false: as they complete)"},
	}
	for _, t := range udf.TranslationSettings {
		def := t.Default
		if strings.HasPrefix(def, "$") {
			def = "" // resolved from the environment by the function itself
		}
		s = append(s, Setting{Name: t.Name, Default: def, Doc: t.Doc, Secret: t.Name == udf.SettingTranslationAPIKey})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	return s
}()

func findSetting(key string) (Setting, bool) {
	for _, s := range Settings {
		if strings.EqualFold(s.Name, key) {
			return s, true
		}
	}
	return Setting{}, false
}

// canonicalKey returns the declared spelling of a known key, or an error
// with a "did you mean" for a near miss. Unknown keys that are not near a
// known one are accepted as they are (connectors and later features read
// their own), as Flink's SET does.
func canonicalKey(key string) (string, string, error) {
	if s, ok := findSetting(key); ok {
		return s.Name, "", nil
	}
	var names []string
	for _, s := range Settings {
		names = append(names, s.Name)
	}
	if m := connectors.Closest(key, names); m != "" {
		return "", m, fmt.Errorf("unknown setting '%s'", key)
	}
	return key, "", nil
}

func defaultSettings() map[string]string {
	out := map[string]string{}
	for _, s := range Settings {
		if s.Default != "" {
			out[s.Name] = s.Default
		}
	}
	return out
}

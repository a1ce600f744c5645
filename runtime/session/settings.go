package session

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/iceberg"
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
// --checkpoint-interval; --set KEY=VALUE gives any of them. Besides these,
// the family 'catalog.<name>.<option>' defines or changes Iceberg catalogs
// (connectors/iceberg: Catalogs.ApplySettings; docs/catalogs.md).
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
	if _, _, ok, err := iceberg.ParseSetting(key); ok { // catalog.<name>.<option>
		return strings.ToLower(strings.TrimSpace(key)), "", err
	}
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

// secretOption says whether a catalog option holds a secret (a password,
// a key, a token): SET lists it masked.
func secretOption(option string) bool {
	for _, w := range []string{"password", "secret", "token", "credential", "key", "sas-token", "connection-string"} {
		if strings.Contains(option, w) && !strings.HasSuffix(option, "key-id") && !strings.HasSuffix(option, "keypath") {
			return true
		}
	}
	return false
}

// shownValue is a setting's value as SET lists it: secrets masked, and
// the password of a catalog 'uri' hidden.
func shownValue(key, v string) string {
	if v == "" {
		return v
	}
	if st, ok := findSetting(key); ok && st.Secret {
		return "********"
	}
	if _, option, ok, _ := iceberg.ParseSetting(key); ok {
		switch {
		case option == "uri":
			return iceberg.RedactURI(v)
		case secretOption(option):
			return "********"
		}
	}
	return v
}

// catalogNote is what SET of a catalog setting adds to its message: what
// the catalog still needs, if anything.
func catalogNote(l *iceberg.Catalogs, key string) string {
	name, _, ok, _ := iceberg.ParseSetting(key)
	if !ok {
		return ""
	}
	if err := l.Problem(name); err != nil {
		return " " + strings.ToUpper(err.Error()[:1]) + err.Error()[1:] + "."
	}
	return ""
}

// resetCatalogSettings is RESET 'catalog.<name>.<option>' or RESET
// 'catalog.<name>' (every option of the catalog) on m: the keys go, and
// those the command line gave (given) come back.
func resetCatalogSettings(m map[string]string, key string, given map[string]string) {
	under := func(k string) bool {
		k = strings.ToLower(strings.TrimSpace(k))
		return k == key || strings.HasPrefix(k, key+".")
	}
	for k := range m {
		if under(k) {
			delete(m, k)
		}
	}
	for k, v := range given {
		if under(k) && v != "" {
			m[strings.ToLower(strings.TrimSpace(k))] = v
		}
	}
}

// CheckSettings validates settings given on the command line (--set):
// known keys or near misses, and the catalogs that catalog.* settings
// define, which must be complete. dataDir is the --data-dir. It returns
// the settings with their keys as the session spells them.
func CheckSettings(dataDir string, settings map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(settings))
	for k, v := range settings {
		ck, hint, err := canonicalKey(k)
		if err != nil {
			if hint != "" {
				return nil, fmt.Errorf("%w (did you mean '%s'?)", err, hint)
			}
			return nil, err
		}
		out[ck] = v
	}
	l := iceberg.NewCatalogs(dataDir)
	defer l.Close()
	if err := l.ApplySettings(out); err != nil {
		return nil, err
	}
	for _, n := range l.Names() {
		if err := l.Problem(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// withSetting is a copy of m with key set to v.
func withSetting(m map[string]string, key, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	out[key] = v
	return out
}

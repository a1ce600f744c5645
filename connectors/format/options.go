package format

import "github.com/chatsql/chatsql/connectors"

// OptionsFor returns the options of the named formats, for a connector that
// accepts them to merge into its Spec (so that 'json.ignore-parse-errors'
// validates, has its default applied and appears in the docs). Unknown
// names are ignored: the connector's own 'format' check reports them.
func OptionsFor(names ...string) []connectors.Option {
	var out []connectors.Option
	seen := map[string]bool{}
	for _, n := range names {
		f, err := Lookup(n)
		if err != nil {
			continue
		}
		for _, o := range f.Options {
			if !seen[o.Name] {
				seen[o.Name] = true
				out = append(out, o)
			}
		}
	}
	return out
}

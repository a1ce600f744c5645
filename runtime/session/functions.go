package session

import (
	"sort"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/udf"
)

func functionsTable(r *udf.Registry) ([]string, [][]string) {
	var rows [][]string
	for _, n := range r.Names() {
		if f, ok := r.Scalar(n); ok {
			rows = append(rows, []string{f.Name, "scalar", f.Category, f.Signature})
		} else if a, ok := r.Async(n); ok {
			rows = append(rows, []string{a.Name, "async", "llm", a.Signature})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return strings.ToUpper(rows[i][0]) < strings.ToUpper(rows[j][0]) })
	return []string{"name", "kind", "category", "signature"}, rows
}

func closest(name string, cands []string) string { return connectors.Closest(name, cands) }

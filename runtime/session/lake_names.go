package session

import (
	"context"
	"strings"
	"time"

	"github.com/chatsql/chatsql/planner"
)

// The names the planner suggests when a query names a catalog or an
// Iceberg table that does not exist ("did you mean 'lake.chat.t3'?").

var _ planner.LakeNames = lakeView{}

// Catalogs lists the catalogs as the statements prepared so far define
// them.
func (v lakeView) Catalogs() []string { return v.st.lake.Names() }

// Tables lists the tables of cat's top-level namespaces as
// namespace.table; none when the catalog is not open yet.
func (v lakeView) Tables(cat string) ([]string, error) {
	if !v.s.lake.Has(cat) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(v.s.ctx, 10*time.Second)
	defer cancel()
	c, err := v.s.lake.Get(ctx, cat)
	if err != nil {
		return nil, err
	}
	namespaces, err := c.ListNamespaces(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ns := range namespaces {
		for id, err := range c.ListTables(ctx, ns) {
			if err != nil {
				return nil, err
			}
			out = append(out, strings.Join(id, "."))
		}
	}
	return out, nil
}

package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/types"
)

// Catalogs returns the session's Iceberg catalogs (the embedded 'lake' in
// DataDir, and those created with CREATE CATALOG).
func (s *Session) Catalogs() *iceberg.Catalogs { return s.lake }

// lakeView is planner.Lake over the catalogs as they will be after the
// statements prepared so far (st.lake); tables are looked up in the
// session's open catalogs.
type lakeView struct {
	s  *Session
	st *state
}

var _ planner.Lake = lakeView{}

func (v lakeView) HasCatalog(name string) bool { return v.st.lake.Has(name) }

func (v lakeView) SinkSettings(cat string) (map[string]string, error) {
	p, err := v.st.lake.Props(cat)
	if err != nil {
		return nil, err
	}
	return iceberg.CatalogSettings(p), nil
}

func (v lakeView) TableSchema(cat string, tbl []string) (types.Schema, []string, bool, error) {
	if !v.s.lake.Has(cat) {
		return types.Schema{}, nil, false, nil // created by a statement not run yet
	}
	ctx, cancel := context.WithTimeout(v.s.ctx, 30*time.Second)
	defer cancel()
	c, done, err := v.catalog(ctx, cat)
	if err != nil {
		return types.Schema{}, nil, false, err
	}
	defer done()
	t, err := c.LoadTable(ctx, table.Identifier(tbl))
	if errors.Is(err, catalog.ErrNoSuchTable) || errors.Is(err, catalog.ErrNoSuchNamespace) {
		return types.Schema{}, nil, false, nil
	}
	if err != nil {
		return types.Schema{}, nil, false, err
	}
	isc := t.Schema()
	sc, err := iceberg.ChatsqlSchema(isc)
	if err != nil {
		return types.Schema{}, nil, false, err
	}
	for i := range sc.Columns {
		sc.Columns[i].Type = sc.Columns[i].Type.Nullable()
	}
	// the identifier fields (Iceberg's primary key), for temporal joins
	var key []string
	for _, id := range isc.IdentifierFieldIDs {
		if n, ok := isc.FindColumnName(id); ok {
			key = append(key, n)
		}
	}
	return sc, key, true, nil
}

// catalog opens catalog cat as the statements prepared so far define it:
// the session's open catalog, or, when a SET before this statement changed
// its definition, a catalog of its own that done closes.
func (v lakeView) catalog(ctx context.Context, cat string) (catalog.Catalog, func(), error) {
	want, err := v.st.lake.Props(cat)
	if err != nil {
		return nil, nil, err
	}
	if have, _ := v.s.lake.Props(cat); maps.Equal(want, have) {
		c, err := v.s.lake.Get(ctx, cat)
		return c, func() {}, err
	}
	c, err := catalog.Load(ctx, cat, want)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog %s: %w", cat, err)
	}
	return c, func() {
		if cl, ok := c.(io.Closer); ok {
			cl.Close()
		}
	}, nil
}

func (v lakeView) CheckPartitioning(spec string, cols types.Schema) error {
	fields, err := iceberg.ParsePartitioning(spec)
	if err != nil {
		return err
	}
	isc, err := iceberg.IcebergSchema(cols)
	if err != nil {
		return err
	}
	_, err = iceberg.PartitionSpec(fields, isc)
	return err
}

// createCatalog is CREATE CATALOG name WITH (...).
func (s *Session) createCatalog(st *state, src *diag.Source, x *parser.CreateCatalogStmt) (action, error) {
	name := x.Name.String()
	if len(x.Name.Parts) > 1 {
		return nil, diag.Errorf(src, x.Name.Pos, diag.Semantic, "a catalog name is one word, not '%s'", name)
	}
	props := map[string]string{}
	for _, o := range x.Options {
		props[strings.ToLower(strings.TrimSpace(o.Key))] = o.Value
	}
	if st.lake.Has(name) && x.IfNotExists {
		return msg("Catalog '%s' already exists, not replaced.", name), nil
	}
	if err := st.lake.Register(name, props); err != nil {
		return nil, diag.Errorf(src, x.Name.Pos, diag.Option, "%v", err)
	}
	return func(context.Context) (Result, error) {
		if err := s.lake.Register(name, props); err != nil {
			return Result{}, err
		}
		return Result{Kind: ResultMessage, Message: fmt.Sprintf("Catalog '%s' created.", strings.ToLower(name))}, nil
	}, nil
}

// dropCatalog is DROP CATALOG [IF EXISTS] name.
func (s *Session) dropCatalog(st *state, src *diag.Source, x *parser.DropStmt) (action, error) {
	name := x.Name.String()
	if !st.lake.Has(name) {
		if x.IfExists {
			return msg("Catalog '%s' does not exist, nothing dropped.", name), nil
		}
		return nil, diag.Errorf(src, x.Name.Pos, diag.UnknownName, "unknown catalog '%s'", name).WithHint("SHOW CATALOGS lists them")
	}
	if err := st.lake.Drop(name); err != nil {
		return nil, diag.Errorf(src, x.Name.Pos, diag.Semantic, "%v", err)
	}
	return func(context.Context) (Result, error) {
		if err := s.lake.Drop(name); err != nil {
			return Result{}, err
		}
		return Result{Kind: ResultMessage, Message: fmt.Sprintf("Catalog '%s' dropped (its tables are untouched).", strings.ToLower(name))}, nil
	}, nil
}

// showCatalogs is SHOW CATALOGS: name, type, warehouse, uri (without its
// password), and where the definition comes from.
func (s *Session) showCatalogs(st *state) action {
	var rows [][]string
	for _, in := range st.lake.Infos() {
		typ := in.Type
		if in.Problem != "" {
			typ = strings.TrimSpace(typ + " (incomplete)")
		}
		rows = append(rows, []string{in.Name, typ, in.Warehouse, in.URI, in.DefinedBy})
	}
	return s.tableAction([]string{"name", "type", "warehouse", "uri", "defined by"}, rows)
}

// showLakeTables is SHOW TABLES FROM catalog.namespace (or namespace, in
// the default catalog; or catalog alone: its namespaces' tables).
func (s *Session) showLakeTables(st *state, src *diag.Source, from *parser.Ident) (action, error) {
	parts := from.Parts
	cat := iceberg.DefaultCatalog
	if st.lake.Has(parts[0]) {
		cat, parts = strings.ToLower(parts[0]), parts[1:]
	} else if len(parts) >= 2 {
		return nil, diag.Errorf(src, from.Pos, diag.UnknownName, "unknown catalog '%s'", parts[0]).WithHint("SHOW CATALOGS lists them")
	}
	return func(ctx context.Context) (Result, error) {
		c, err := s.lake.Get(ctx, cat)
		if err != nil {
			return Result{}, err
		}
		var namespaces []table.Identifier
		if len(parts) > 0 {
			namespaces = []table.Identifier{parts}
		} else if namespaces, err = c.ListNamespaces(ctx, nil); err != nil {
			return Result{}, err
		}
		var rows [][]string
		for _, ns := range namespaces {
			for id, err := range c.ListTables(ctx, ns) {
				if err != nil {
					if errors.Is(err, catalog.ErrNoSuchNamespace) {
						return Result{}, diag.Errorf(src, from.Pos, diag.UnknownName, "catalog '%s' has no namespace '%s'", cat, strings.Join(ns, "."))
					}
					return Result{}, err
				}
				rows = append(rows, []string{cat, strings.Join(id[:len(id)-1], "."), id[len(id)-1]})
			}
		}
		sort.Slice(rows, func(i, j int) bool { return strings.Join(rows[i], ".") < strings.Join(rows[j], ".") })
		return Result{Kind: ResultTable, Columns: []string{"catalog", "namespace", "table"}, Rows: rows}, nil
	}, nil
}

package planner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
)

// Reading Iceberg tables: a qualified name catalog.namespace.table (or
// namespace.table in the default catalog) in FROM or in a temporal join
// reads the table through the iceberg connector's source, as a relation
// made from the table's own schema; a CREATE TABLE with 'connector' =
// 'iceberg' reads it with its declared columns.

// SettingIcebergMonitorInterval is how often a streaming read of an
// Iceberg table named by its qualified name looks for new snapshots.
const SettingIcebergMonitorInterval = "iceberg.monitor-interval"

// LakeNames is implemented by a Lake that lists its catalogs and tables,
// for the "did you mean" of a name that names neither.
type LakeNames interface {
	// Catalogs lists the catalogs' names.
	Catalogs() []string
	// Tables lists catalog's tables as namespace.table.
	Tables(catalog string) ([]string, error)
}

// lakeNameError is why a qualified name names no Iceberg table, with a
// hint.
type lakeNameError struct {
	kind      diag.Kind
	msg, hint string
}

func (e *lakeNameError) Error() string {
	if e.hint == "" {
		return e.msg
	}
	return e.msg + " (" + e.hint + ")"
}

// lakeTable is lakeRelation for the name id in src, its errors pointing at
// the name.
func (p *Planner) lakeTable(src *diag.Source, id parser.Ident) (*Relation, *diag.Error) {
	rel, ok, err := p.lakeRelation(id.Parts)
	var ne *lakeNameError
	switch {
	case errors.As(err, &ne):
		e := diag.Errorf(src, id.Pos, ne.kind, "%s", ne.msg)
		if ne.hint != "" {
			e.WithHint("%s", ne.hint)
		}
		return nil, e
	case err != nil:
		return nil, diag.Errorf(src, id.Pos, diag.Semantic, "%v", err)
	case !ok:
		return nil, diag.Errorf(src, id.Pos, diag.Unsupported, "qualified name '%s': no Iceberg catalogs in this session", id.String())
	}
	return rel, nil
}

// lakeRelation makes the relation of Iceberg table parts (a qualified
// name: catalog.namespace.table, or namespace.table in the default
// catalog). ok is false when parts cannot name an Iceberg table (no lake).
// A name that names none is a *lakeNameError.
func (p *Planner) lakeRelation(parts []string) (rel *Relation, ok bool, err error) {
	if p.Lake == nil || len(parts) < 2 {
		return nil, false, nil
	}
	if len(parts) > 3 {
		return nil, true, &lakeNameError{kind: diag.Semantic,
			msg:  fmt.Sprintf("'%s' has %d parts: a table is named catalog.namespace.table", strings.Join(parts, "."), len(parts)),
			hint: p.tooManyPartsHint(parts)}
	}
	cat, tbl, _ := LakeTableName(parts)
	if len(parts) == 3 && !p.Lake.HasCatalog(cat) {
		return nil, true, &lakeNameError{kind: diag.UnknownName,
			msg: fmt.Sprintf("unknown catalog '%s'", parts[0]), hint: p.unknownCatalogHint(parts[0])}
	}
	name := cat + "." + strings.Join(tbl, ".")
	sc, key, exists, err := p.Lake.TableSchema(cat, tbl)
	if err != nil {
		return nil, true, fmt.Errorf("Iceberg table '%s': %v", name, err)
	}
	if !exists {
		return nil, true, &lakeNameError{kind: diag.UnknownName,
			msg: fmt.Sprintf("Iceberg table '%s' does not exist", name), hint: p.unknownTableHint(parts, cat, tbl)}
	}
	rel = &Relation{Name: name, Kind: KindTable, TimeAttr: -1, Connector: icebergConnector, PrimaryKey: key,
		Options: map[string]string{"connector": icebergConnector, "catalog": cat, "table": strings.Join(tbl, ".")}}
	for _, c := range sc.Columns {
		rel.Columns = append(rel.Columns, RelColumn{Name: c.Name, Type: c.Type, Kind: Physical})
	}
	return rel, true, nil
}

// tooManyPartsHint suggests the three-part name of a name of four or more
// parts.
func (p *Planner) tooManyPartsHint(parts []string) string {
	if p.Lake.HasCatalog(parts[0]) {
		return fmt.Sprintf("SHOW TABLES FROM %s lists its tables as namespace and table", parts[0])
	}
	return "catalog.namespace.table, or namespace.table in the catalog '" + DefaultLakeCatalog + "'; SHOW CATALOGS lists the catalogs"
}

// unknownCatalogHint suggests the closest catalog, or how to list and
// create catalogs.
func (p *Planner) unknownCatalogHint(name string) string {
	if ln, ok := p.Lake.(LakeNames); ok {
		if c := connectors.Closest(name, ln.Catalogs()); c != "" {
			return fmt.Sprintf("did you mean '%s'?", c)
		}
	}
	return fmt.Sprintf("SHOW CATALOGS lists them; CREATE CATALOG %s WITH ('type' = 'iceberg', ...) adds one", name)
}

// unknownTableHint suggests the closest table of catalog cat (or the same
// table name in another namespace), or how to list them. parts are the
// name as written.
func (p *Planner) unknownTableHint(parts []string, cat string, tbl []string) string {
	ns := strings.Join(tbl[:len(tbl)-1], ".")
	list := fmt.Sprintf("SHOW TABLES FROM %s.%s lists the tables", cat, ns)
	if len(parts) == 2 && p.Lake.HasCatalog(parts[0]) {
		return fmt.Sprintf("'%s' is a catalog: name the table %s.<namespace>.%s (SHOW TABLES FROM %s lists them)", parts[0], parts[0], parts[1], parts[0])
	}
	ln, ok := p.Lake.(LakeNames)
	if !ok {
		return list
	}
	all, err := ln.Tables(cat)
	if err != nil {
		return list
	}
	want := strings.Join(tbl, ".")
	c := connectors.Closest(want, all)
	if c == "" {
		for _, t := range all {
			if strings.EqualFold(t[strings.LastIndexByte(t, '.')+1:], tbl[len(tbl)-1]) {
				c = t
				break
			}
		}
	}
	switch {
	case c != "" && len(parts) == 3:
		return fmt.Sprintf("did you mean '%s.%s'?", parts[0], c)
	case c != "":
		return fmt.Sprintf("did you mean '%s'?", c)
	case len(all) == 0:
		return fmt.Sprintf("catalog '%s' has no tables yet", cat)
	}
	return list
}

// isLakeRelation reports whether rel was made from a qualified name.
func isLakeRelation(rel *Relation) bool { return rel.Stmt == nil && rel.Connector == icebergConnector }

// unbounded reports whether l reads a source that does not end: a Kafka
// source, a streaming Iceberg read, datagen without a row count.
func unbounded(l Logical) bool {
	if s, ok := l.(*Scan); ok {
		switch s.Rel.Connector {
		case "file":
			return false
		case icebergConnector:
			return strings.EqualFold(strings.TrimSpace(s.Rel.Options["streaming"]), "true")
		case "datagen":
			return s.Rel.Options["number-of-rows"] == ""
		}
		return true
	}
	for _, in := range l.Inputs() {
		if unbounded(in) {
			return true
		}
	}
	return false
}

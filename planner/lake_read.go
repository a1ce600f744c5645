package planner

import (
	"fmt"
	"strings"
)

// Reading Iceberg tables: a qualified name catalog.namespace.table (or
// namespace.table in the default catalog) in FROM or in a temporal join
// reads the table through the iceberg connector's source, as a relation
// made from the table's own schema; a CREATE TABLE with 'connector' =
// 'iceberg' reads it with its declared columns.

// SettingIcebergMonitorInterval is how often a streaming read of an
// Iceberg table named by its qualified name looks for new snapshots.
const SettingIcebergMonitorInterval = "iceberg.monitor-interval"

// LakeKeys is implemented by a Lake that knows a table's identifier
// fields (Iceberg's primary key).
type LakeKeys interface {
	TableKey(catalog string, table []string) ([]string, error)
}

// lakeRelation makes the relation of Iceberg table parts (a qualified
// name). ok is false when parts cannot name an Iceberg table (no lake).
func (p *Planner) lakeRelation(parts []string) (rel *Relation, ok bool, err error) {
	if p.Lake == nil || len(parts) < 2 {
		return nil, false, nil
	}
	cat, tbl := DefaultLakeCatalog, parts
	if len(parts) >= 3 {
		if !p.Lake.HasCatalog(parts[0]) {
			return nil, true, fmt.Errorf("unknown catalog '%s' (create it with CREATE CATALOG %s WITH ('type'='iceberg', ...); SHOW CATALOGS lists them)", parts[0], parts[0])
		}
		cat, tbl = strings.ToLower(parts[0]), parts[1:]
	}
	name := cat + "." + strings.Join(tbl, ".")
	sc, exists, err := p.Lake.TableSchema(cat, tbl)
	if err != nil {
		return nil, true, fmt.Errorf("Iceberg table '%s': %v", name, err)
	}
	if !exists {
		return nil, true, fmt.Errorf("Iceberg table '%s' does not exist (SHOW TABLES FROM %s.%s lists the tables)", name, cat, strings.Join(tbl[:len(tbl)-1], "."))
	}
	rel = &Relation{Name: name, Kind: KindTable, TimeAttr: -1, Connector: icebergConnector,
		Options: map[string]string{"connector": icebergConnector, "catalog": cat, "table": strings.Join(tbl, ".")}}
	for _, c := range sc.Columns {
		rel.Columns = append(rel.Columns, RelColumn{Name: c.Name, Type: c.Type, Kind: Physical})
	}
	if lk, ok := p.Lake.(LakeKeys); ok {
		if rel.PrimaryKey, err = lk.TableKey(cat, tbl); err != nil {
			return nil, true, fmt.Errorf("Iceberg table '%s': %v", name, err)
		}
	}
	return rel, true, nil
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

package planner

import (
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime/types"
)

// Lake is the session's Iceberg catalogs as the planner needs them (the
// session implements it over connectors/iceberg; the planner does not
// import connector implementations).
type Lake interface {
	// HasCatalog reports whether name is a catalog of the session.
	HasCatalog(name string) bool
	// SinkSettings are the settings through which an iceberg sink writing
	// catalog reaches it (its iceberg-go properties).
	SinkSettings(catalog string) (map[string]string, error)
	// TableSchema returns the columns of Iceberg table ns.table of catalog
	// and its identifier fields (Iceberg's primary key), from one load of
	// the table; ok is false when the table does not exist (yet).
	TableSchema(catalog string, table []string) (s types.Schema, key []string, ok bool, err error)
	// CheckPartitioning validates a partition spec ("days(event_time), ...")
	// against the table's columns.
	CheckPartitioning(spec string, cols types.Schema) error
}

// DefaultLakeCatalog is the embedded catalog's name (connectors/iceberg's DefaultCatalog).
const DefaultLakeCatalog = "lake"

// icebergConnector is the name of the iceberg connector.
const icebergConnector = "iceberg"

// LakeTableName splits a qualified name into an Iceberg catalog and
// table: catalog.namespace.table (three or more parts), or namespace.table
// in the default catalog. ok is false for a name of one part.
func LakeTableName(parts []string) (catalog string, tbl []string, ok bool) {
	switch {
	case len(parts) < 2:
		return "", nil, false
	case len(parts) >= 3:
		return strings.ToLower(parts[0]), parts[1:], true
	}
	return DefaultLakeCatalog, parts, true
}

// lakeName splits an INSERT target that is not a catalog object into an
// Iceberg catalog and table (LakeTableName). ok is false when the name
// cannot be an Iceberg table.
func (p *Planner) lakeName(id parser.Ident) (catalog string, tbl []string, ok bool) {
	if p.Lake == nil {
		return "", nil, false
	}
	return LakeTableName(id.Parts)
}

// withLakeSettings adds the catalog properties an iceberg sink needs to
// the settings it gets.
func (p *Planner) withLakeSettings(connector string, opts connectors.Options) (map[string]string, error) {
	if !strings.EqualFold(connector, icebergConnector) || p.Lake == nil {
		return p.Settings, nil
	}
	cat := strings.ToLower(strings.TrimSpace(opts.Get("catalog")))
	if cat == "" {
		cat = DefaultLakeCatalog
	}
	if !p.Lake.HasCatalog(cat) {
		return nil, fmt.Errorf("option 'catalog': unknown catalog '%s'; create it with CREATE CATALOG %s WITH ('type'='iceberg', ...)", cat, cat)
	}
	extra, err := p.Lake.SinkSettings(cat)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(p.Settings)+len(extra))
	for k, v := range p.Settings {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out, nil
}

// partitioning checks what a CREATE TABLE says about the Iceberg table a
// sink creates: PARTITIONED BY (...), which becomes its 'partitioning'
// option, and the PRIMARY KEY, which becomes its identifier fields.
func (p *Planner) partitioning(rel *Relation, st *parser.CreateRelationStmt, src *diag.Source) diag.List {
	return append(identifierFieldChecks(rel, st, src), p.partitionSpec(rel, st, src)...)
}

// identifierFieldChecks: the PRIMARY KEY of an Iceberg table is made its
// identifier fields (required columns, as Flink's Iceberg connector does),
// which Iceberg allows on written columns of a type other than float and
// double.
func identifierFieldChecks(rel *Relation, st *parser.CreateRelationStmt, src *diag.Source) diag.List {
	if !strings.EqualFold(rel.Connector, icebergConnector) {
		return nil
	}
	var errs diag.List
	for _, k := range st.PrimaryKey {
		for _, c := range rel.Columns {
			if !strings.EqualFold(c.Name, k.String()) {
				continue
			}
			switch {
			case c.Kind != Physical:
				errs = append(errs, diag.Errorf(src, k.Pos, diag.Semantic, "PRIMARY KEY column '%s' of an Iceberg table is not stored (it is computed or metadata)", c.Name).
					WithHint("an Iceberg identifier field is a column of the table"))
			case c.Type.Kind == types.KindDouble:
				errs = append(errs, diag.Errorf(src, k.Pos, diag.Semantic, "PRIMARY KEY column '%s' is DOUBLE: Iceberg identifier fields cannot be float or double", c.Name).
					WithHint("key on a BIGINT, DECIMAL or VARCHAR column"))
			}
		}
	}
	return errs
}

// partitionSpec turns PARTITIONED BY (...) of an iceberg table into its
// 'partitioning' option.
func (p *Planner) partitionSpec(rel *Relation, st *parser.CreateRelationStmt, src *diag.Source) diag.List {
	if len(st.PartitionedBy) == 0 {
		return nil
	}
	pos := st.PartitionedBy[0].Start
	if !strings.EqualFold(rel.Connector, icebergConnector) {
		return diag.List{diag.Errorf(src, pos, diag.Unsupported, "PARTITIONED BY is for Iceberg tables ('connector' = 'iceberg')")}
	}
	if _, ok := rel.Options["partitioning"]; ok {
		return diag.List{diag.Errorf(src, pos, diag.Semantic, "PARTITIONED BY and option 'partitioning' both given").WithHint("keep one")}
	}
	var parts []string
	for _, e := range st.PartitionedBy {
		parts = append(parts, strings.TrimSpace(e.Text()))
	}
	spec := strings.Join(parts, ", ")
	if p.Lake != nil {
		if err := p.Lake.CheckPartitioning(spec, rel.PhysicalSchema()); err != nil {
			return diag.List{diag.Errorf(src, pos, diag.Semantic, "PARTITIONED BY: %v", err).
				WithHint("identity columns, years(col), months(col), days(col), hours(col), bucket(N, col), truncate(W, col)")}
		}
	}
	rel.Options["partitioning"] = spec
	return nil
}

// planLakeInsert plans INSERT INTO catalog.ns.table: the table's columns
// when it exists, else the query's (the sink creates the table).
func (p *Planner) planLakeInsert(st *parser.InsertStmt, src *diag.Source, catalog string, tbl []string) (*Job, error) {
	name := st.Table.String()
	if n := len(st.Table.Parts); n > 3 {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Semantic, "'%s' has %d parts: a table is named catalog.namespace.table", name, n).
			WithHint("%s", p.tooManyPartsHint(st.Table.Parts))
	}
	if !p.Lake.HasCatalog(catalog) {
		return nil, diag.Errorf(src, st.Table.Pos, diag.UnknownName, "unknown catalog '%s' in '%s'", catalog, name).
			WithHint("%s", p.unknownCatalogHint(catalog))
	}
	target, _, exists, err := p.Lake.TableSchema(catalog, tbl)
	if err != nil {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Semantic, "Iceberg table '%s': %v", name, err)
	}
	q, err := p.BindQuery(st.Query)
	if err != nil {
		return nil, err
	}
	if _, ok := q.(*Limit); ok {
		return nil, diag.Errorf(src, st.Query.Start, diag.Unsupported, "LIMIT is not supported in INSERT INTO")
	}
	if !exists {
		if len(st.Columns) > 0 {
			return nil, diag.Errorf(src, st.Columns[0].Pos, diag.Semantic, "Iceberg table '%s' does not exist: a column list needs an existing table", name).
				WithHint("INSERT INTO %s SELECT ... creates it with the query's columns", name)
		}
		if err := checkOutputNames(q.Schema(), st.Query); err != nil {
			return nil, err
		}
		target = types.NewSchema(q.Schema().Columns...)
		for i := range target.Columns {
			target.Columns[i].Type = target.Columns[i].Type.Nullable()
			if target.Columns[i].Type.Kind == types.KindNull {
				target.Columns[i].Type = types.String
			}
		}
	}
	proj, err := castToTarget(q, st, src, name, target)
	if err != nil {
		return nil, err
	}
	raw := map[string]string{"connector": icebergConnector, "catalog": catalog, "table": strings.Join(tbl, ".")}
	conn, err := p.Connectors.Lookup(icebergConnector)
	if err != nil {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Option, "%v", err)
	}
	opts, oerrs := conn.Spec.Validate(raw, false)
	if len(oerrs) > 0 {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Option, "%v", oerrs[0])
	}
	settings, err := p.withLakeSettings(icebergConnector, opts)
	if err != nil {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Option, "%v", err)
	}
	sinkName := catalog + "." + strings.Join(tbl, ".")
	g, err := p.build(proj, func(l *lowering, in int, s types.Schema) error {
		l.add(&plan.Node{Kind: plan.KindSink, Inputs: []int{in}, Schema: s, Name: sinkName,
			Config: &plan.SinkConfig{Connector: icebergConnector, Conn: connectors.Config{Name: sinkName, Options: opts,
				Schema: target, Settings: settings}}})
		return nil
	})
	if err != nil {
		return nil, planErr(src, st.Start, err)
	}
	return &Job{Name: "insert-" + sinkName, Graph: g, Schema: target}, nil
}

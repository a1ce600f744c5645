package adhoc

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	iceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
)

// defaultCatalog is the embedded catalog's name (connectors/iceberg's
// DefaultCatalog); a two-part name namespace.table is looked up there.
const defaultCatalog = "lake"

// duckSchemas are DuckDB's own schemas: a two-part name in one of them is
// left to DuckDB (information_schema.tables, pg_catalog.pg_class, ...)
// unless the embedded catalog has such a table.
var duckSchemas = map[string]bool{"main": true, "information_schema": true, "pg_catalog": true, "temp": true, "system": true}

// duckCatalogs are DuckDB's own catalogs, left alone in three-part names.
var duckCatalogs = map[string]bool{"memory": true, "system": true, "temp": true}

// scan is one Iceberg table at one snapshot, planned: what a reference in
// the query reads.
type scan struct {
	Catalog   string
	Namespace string
	Table     string
	Snapshot  *table.Snapshot // nil: the table has no snapshot (empty)
	Schema    *iceberg.Schema
	Tasks     []table.FileScanTask
	duckSch   string            // the DuckDB schema holding the view ("chat", or "chat@s<id>" for time travel)
	tbl       *table.Table      // for its IO, when files are in object storage
	local     map[string]string // location -> local copy, for files in object storage (fetch.go)
}

// path is the path DuckDB opens for one of the scan's files: its local copy
// when it is in object storage, else the local path of its location.
func (s *scan) path(loc string) string {
	if p, ok := s.local[loc]; ok {
		return p
	}
	return duckPath(loc)
}

// Name is catalog.namespace.table.
func (s *scan) Name() string { return s.Catalog + "." + s.Namespace + "." + s.Table }

// files and bytes the scan reads (data and delete files).
func (s *scan) size() (files int, bytes int64) {
	seen := map[string]bool{}
	for _, t := range s.Tasks {
		files++
		bytes += t.File.FileSizeBytes()
		for _, d := range append(append([]iceberg.DataFile(nil), t.DeleteFiles...), t.EqualityDeleteFiles...) {
			if !seen[d.FilePath()] {
				seen[d.FilePath()] = true
				files++
				bytes += d.FileSizeBytes()
			}
		}
	}
	return
}

// resolver resolves the table references of one query.
type resolver struct {
	ctx    context.Context
	cats   Catalogs
	src    *diag.Source
	names  []string            // catalog names
	tables map[string][]string // catalog -> "ns.table" (for hints), loaded lazily
	scans  map[string]*scan    // by catalog|ns|table|snapshot
}

// resolve plans a reference, or returns nil when the name is not an
// Iceberg table and should be left to DuckDB.
func (r *resolver) resolve(ref tableRef) (*scan, error) {
	var catName, ns, tbl string
	var nsPos int
	switch len(ref.parts) {
	case 3:
		catName, ns, tbl = ref.parts[0], ref.parts[1], ref.parts[2]
		nsPos = ref.partPos[1]
		if !r.isCatalog(catName) {
			if duckCatalogs[strings.ToLower(catName)] {
				return nil, nil
			}
			e := diag.Errorf(r.src, ref.partPos[0], diag.UnknownName, "unknown catalog '%s'", catName)
			if c := connectors.Closest(catName, r.names); c != "" {
				e = e.WithHint("did you mean '%s'?", c)
			} else {
				e = e.WithHint("catalogs: %s (CREATE CATALOG adds one)", strings.Join(r.names, ", "))
			}
			return nil, e
		}
		catName = r.catalogName(catName)
	case 2:
		catName, ns, tbl = defaultCatalog, ref.parts[0], ref.parts[1]
		nsPos = ref.partPos[0]
		if !r.isCatalog(defaultCatalog) {
			return nil, nil
		}
	default:
		return nil, nil
	}
	cat, err := r.cats.Get(r.ctx, catName)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", catName, err)
	}
	t, err := cat.LoadTable(r.ctx, table.Identifier{ns, tbl})
	if err != nil {
		if !errors.Is(err, catalog.ErrNoSuchTable) && !errors.Is(err, catalog.ErrNoSuchNamespace) {
			return nil, fmt.Errorf("loading Iceberg table %s.%s.%s: %w", catName, ns, tbl, err)
		}
		if len(ref.parts) == 2 && duckSchemas[strings.ToLower(ns)] && !ref.hasClause {
			return nil, nil
		}
		return nil, r.unknownTable(cat, catName, ns, tbl, nsPos, len(ref.parts) == 3)
	}
	snap, err := r.snapshot(t, ref, catName+"."+ns+"."+tbl)
	if err != nil {
		return nil, err
	}
	key := catName + "\x00" + ns + "\x00" + tbl + "\x00"
	if snap != nil {
		key += strconv.FormatInt(snap.SnapshotID, 10)
	}
	if s, ok := r.scans[key]; ok {
		return s, nil
	}
	s := &scan{Catalog: catName, Namespace: ns, Table: tbl, Snapshot: snap, Schema: t.Schema(), duckSch: ns, tbl: t}
	if ref.hasClause && snap != nil {
		s.duckSch = fmt.Sprintf("%s@s%d", ns, snap.SnapshotID)
	}
	if snap != nil {
		if snap.SchemaID != nil {
			if sc, ok := t.Schemas()[*snap.SchemaID]; ok && ref.hasClause {
				s.Schema = sc // time travel reads the snapshot's own schema
			}
		}
		tasks, err := t.Scan(table.WithSnapshotID(snap.SnapshotID)).PlanFiles(r.ctx)
		if err != nil {
			return nil, fmt.Errorf("planning the scan of %s (snapshot %d): %w", s.Name(), snap.SnapshotID, err)
		}
		s.Tasks = tasks
	}
	r.scans[key] = s
	return s, nil
}

func (r *resolver) isCatalog(name string) bool { return r.catalogName(name) != "" }

// catalogName is the catalog's registered spelling ("" if none): catalog
// names are case-insensitive, as in Flink.
func (r *resolver) catalogName(name string) string {
	for _, n := range r.names {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// snapshot picks the snapshot a reference reads: the current one, or the
// one its time-travel clause names.
func (r *resolver) snapshot(t *table.Table, ref tableRef, name string) (*table.Snapshot, error) {
	switch {
	case ref.version != "":
		if strings.HasPrefix(ref.version, "\x00") {
			return nil, diag.Errorf(r.src, ref.versionAt, diag.Syntax, "FOR VERSION AS OF takes a snapshot id (a number), not '%s'", ref.version[1:])
		}
		id, err := strconv.ParseInt(ref.version, 10, 64)
		if err != nil {
			return nil, diag.Errorf(r.src, ref.versionAt, diag.Syntax, "FOR VERSION AS OF takes a snapshot id (a number), not '%s'", ref.version)
		}
		s := t.SnapshotByID(id)
		if s == nil {
			return nil, diag.Errorf(r.src, ref.versionAt, diag.UnknownName, "table %s has no snapshot %d", name, id).
				WithHint("%s", snapshotList(t))
		}
		return s, nil
	case ref.asOfTime != "":
		if strings.HasPrefix(ref.asOfTime, "\x00") {
			return nil, diag.Errorf(r.src, ref.asOfTimeAt, diag.Syntax, "FOR SYSTEM_TIME AS OF takes a time literal here, e.g. TIMESTAMP '2024-01-01 12:00:00', not '%s'", ref.asOfTime[1:])
		}
		at, err := parseTime(ref.asOfTime)
		if err != nil {
			return nil, diag.Errorf(r.src, ref.asOfTimeAt, diag.Syntax, "%v", err).
				WithHint("write TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]' (UTC without an offset)")
		}
		s := t.SnapshotAsOf(at.UnixMilli(), true)
		if s == nil {
			e := diag.Errorf(r.src, ref.asOfTimeAt, diag.Semantic, "table %s has no snapshot as of %s", name, at.UTC().Format(time.RFC3339Nano))
			if first := firstSnapshot(t); first != nil {
				e = e.WithHint("its first snapshot is %d, committed at %s", first.SnapshotID, time.UnixMilli(first.TimestampMs).UTC().Format(time.RFC3339Nano))
			} else {
				e = e.WithHint("it has no snapshot yet")
			}
			return nil, e
		}
		return s, nil
	case ref.hasClause:
		return nil, diag.Errorf(r.src, ref.clauseAt, diag.Syntax, "expected FOR SYSTEM_TIME AS OF TIMESTAMP '...' or FOR VERSION AS OF <snapshot id>")
	}
	return t.CurrentSnapshot(), nil
}

func firstSnapshot(t *table.Table) *table.Snapshot {
	var first *table.Snapshot
	for _, s := range t.Metadata().Snapshots() {
		if first == nil || s.TimestampMs < first.TimestampMs {
			s := s
			first = &s
		}
	}
	return first
}

// snapshotList names the table's latest snapshots for a hint.
func snapshotList(t *table.Table) string {
	snaps := t.Metadata().Snapshots()
	if len(snaps) == 0 {
		return "the table has no snapshot yet"
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].TimestampMs > snaps[j].TimestampMs })
	var parts []string
	for i, s := range snaps {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d older", len(snaps)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%d (%s)", s.SnapshotID, time.UnixMilli(s.TimestampMs).UTC().Format(time.RFC3339)))
	}
	return "snapshots, newest first: " + strings.Join(parts, ", ")
}

// parseTime reads the time of FOR SYSTEM_TIME AS OF: a date, or a date and
// time with optional fraction and offset; UTC when no offset is written.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []string{
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02",
	}
	if strings.HasSuffix(s, " UTC") {
		s = strings.TrimSuffix(s, " UTC") + "Z"
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("'%s' is not a time", s)
}

// unknownTable is the error for a name that is no table of the catalog,
// with the closest table as a hint.
func (r *resolver) unknownTable(cat catalog.Catalog, catName, ns, tbl string, pos int, qualified bool) error {
	all := r.listTables(cat, catName)
	want := ns + "." + tbl
	e := diag.Errorf(r.src, pos, diag.UnknownName, "unknown Iceberg table '%s.%s'", catName, want)
	c := connectors.Closest(want, all)
	if c == "" {
		// the same table name in another namespace
		for _, t := range all {
			if strings.EqualFold(t[strings.LastIndexByte(t, '.')+1:], tbl) {
				c = t
				break
			}
		}
	}
	switch {
	case c != "" && qualified:
		return e.WithHint("did you mean '%s.%s'?", catName, c)
	case c != "":
		return e.WithHint("did you mean '%s'?", c)
	case len(all) == 0:
		return e.WithHint("catalog '%s' has no tables", catName)
	case len(all) <= 8:
		return e.WithHint("tables in '%s': %s", catName, strings.Join(all, ", "))
	}
	return e
}

// listTables lists "namespace.table" of a catalog (top-level namespaces).
func (r *resolver) listTables(cat catalog.Catalog, catName string) []string {
	if ts, ok := r.tables[catName]; ok {
		return ts
	}
	var out []string
	nss, err := cat.ListNamespaces(r.ctx, nil)
	if err == nil {
		for _, ns := range nss {
			for id, err := range cat.ListTables(r.ctx, ns) {
				if err != nil {
					break
				}
				out = append(out, strings.Join(id, "."))
			}
		}
	}
	sort.Strings(out)
	r.tables[catName] = out
	return out
}

// viewSQL is the SELECT that reads a scan in DuckDB: read_parquet over the
// snapshot's data files, columns mapped by Iceberg field id (so files
// written before a column was added read NULL for it, and renamed columns
// keep their data), positional deletes and equality deletes applied as
// anti-joins.
func viewSQL(s *scan) (string, error) {
	fields := s.Schema.Fields()
	if len(fields) == 0 {
		return "", fmt.Errorf("Iceberg table %s has no columns", s.Name())
	}
	types := make([]string, len(fields))
	var cols []string
	for i, f := range fields {
		t, err := duckType(f.Type)
		if err != nil {
			return "", fmt.Errorf("Iceberg table %s, column %s: %w", s.Name(), f.Name, err)
		}
		types[i] = t
		cols = append(cols, quoteIdent(f.Name))
	}
	if len(s.Tasks) == 0 {
		var sel []string
		for i, f := range fields {
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", types[i], quoteIdent(f.Name)))
		}
		return "SELECT " + strings.Join(sel, ", ") + " WHERE false", nil
	}
	var schemaMap strings.Builder
	schemaMap.WriteString("MAP {")
	for i, f := range fields {
		if i > 0 {
			schemaMap.WriteString(", ")
		}
		fmt.Fprintf(&schemaMap, "%d: {name: %s, type: %s, default_value: NULL}", f.ID, quoteString(f.Name), quoteString(types[i]))
	}
	schemaMap.WriteString("}")

	// group the data files by the equality delete files that apply to them
	type group struct {
		files   []string
		posDels map[string]bool // positional delete files
		eqDels  []iceberg.DataFile
		pathMap map[string]string // Iceberg path -> the path DuckDB reports
	}
	groups := map[string]*group{}
	var keys []string
	for _, t := range s.Tasks {
		if len(t.DeletionVectorFiles) > 0 {
			return "", fmt.Errorf("Iceberg table %s uses deletion vectors (format v3), which ad-hoc queries do not read yet", s.Name())
		}
		if f := t.File.FileFormat(); f != iceberg.ParquetFile {
			return "", fmt.Errorf("Iceberg table %s has a %s data file (%s); ad-hoc queries read parquet only", s.Name(), f, t.File.FilePath())
		}
		var eqPaths []string
		for _, d := range t.EqualityDeleteFiles {
			eqPaths = append(eqPaths, d.FilePath())
		}
		sort.Strings(eqPaths)
		key := strings.Join(eqPaths, "\x00")
		g, ok := groups[key]
		if !ok {
			g = &group{posDels: map[string]bool{}, eqDels: t.EqualityDeleteFiles, pathMap: map[string]string{}}
			groups[key] = g
			keys = append(keys, key)
		}
		local := s.path(t.File.FilePath())
		g.files = append(g.files, local)
		for _, d := range t.DeleteFiles {
			if d.FileFormat() != iceberg.ParquetFile {
				return "", fmt.Errorf("Iceberg table %s has a %s delete file (%s); ad-hoc queries read parquet only", s.Name(), d.FileFormat(), d.FilePath())
			}
			g.posDels[d.FilePath()] = true
			g.pathMap[t.File.FilePath()] = local
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, key := range keys {
		g := groups[key]
		pos := len(g.posDels) > 0
		var b strings.Builder
		b.WriteString("SELECT ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("d." + c)
		}
		b.WriteString(" FROM read_parquet(")
		b.WriteString(stringList(g.files))
		b.WriteString(", schema = " + schemaMap.String())
		if pos {
			b.WriteString(", filename = true, file_row_number = true")
		}
		b.WriteString(") AS d")
		if pos {
			var dels []string
			for p := range g.posDels {
				dels = append(dels, s.path(p))
			}
			sort.Strings(dels)
			var vals []string
			var ipaths []string
			for ip := range g.pathMap {
				ipaths = append(ipaths, ip)
			}
			sort.Strings(ipaths)
			for _, ip := range ipaths {
				vals = append(vals, "("+quoteString(ip)+", "+quoteString(g.pathMap[ip])+")")
			}
			fmt.Fprintf(&b, " ANTI JOIN (SELECT m.f, p.pos FROM read_parquet(%s) AS p JOIN (VALUES %s) AS m(ip, f) ON p.file_path = m.ip) AS pd"+
				" ON d.filename = pd.f AND d.file_row_number = pd.pos", stringList(dels), strings.Join(vals, ", "))
		}
		for i, e := range g.eqDels {
			if e.FileFormat() != iceberg.ParquetFile {
				return "", fmt.Errorf("Iceberg table %s has a %s delete file (%s); ad-hoc queries read parquet only", s.Name(), e.FileFormat(), e.FilePath())
			}
			ids := e.EqualityFieldIDs()
			if len(ids) == 0 {
				return "", fmt.Errorf("Iceberg table %s: equality delete file %s names no equality columns", s.Name(), e.FilePath())
			}
			var emap, esel, eon []string
			for _, id := range ids {
				f, ok := s.Schema.FindFieldByID(id)
				if !ok {
					return "", fmt.Errorf("Iceberg table %s: equality delete file %s deletes by field %d, which the schema does not have", s.Name(), e.FilePath(), id)
				}
				t, err := duckType(f.Type)
				if err != nil {
					return "", fmt.Errorf("Iceberg table %s, equality delete column %s: %w", s.Name(), f.Name, err)
				}
				emap = append(emap, fmt.Sprintf("%d: {name: %s, type: %s, default_value: NULL}", id, quoteString(f.Name), quoteString(t)))
				esel = append(esel, quoteIdent(f.Name))
				eon = append(eon, fmt.Sprintf("d.%s IS NOT DISTINCT FROM e%d.%s", quoteIdent(f.Name), i, quoteIdent(f.Name)))
			}
			fmt.Fprintf(&b, " ANTI JOIN (SELECT DISTINCT %s FROM read_parquet(%s, schema = MAP {%s})) AS e%d ON %s",
				strings.Join(esel, ", "), quoteString(s.path(e.FilePath())), strings.Join(emap, ", "), i, strings.Join(eon, " AND "))
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "\nUNION ALL\n"), nil
}

// stringList is a DuckDB list literal of strings.
func stringList(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(s))
	}
	b.WriteByte(']')
	return b.String()
}

// duckPath is the path DuckDB opens for a local Iceberg file location: the
// path of a file: URI (file:/x and file:///x), the location itself for a
// plain path. Files in object storage are read from local copies
// (fetch.go).
func duckPath(loc string) string {
	if !strings.HasPrefix(loc, "file:") {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil || u.Path == "" {
		return strings.TrimPrefix(strings.TrimPrefix(loc, "file:"), "//")
	}
	return u.Path
}

// duckType is the DuckDB type of an Iceberg type.
func duckType(t iceberg.Type) (string, error) {
	switch t := t.(type) {
	case iceberg.BooleanType:
		return "BOOLEAN", nil
	case iceberg.Int32Type:
		return "INTEGER", nil
	case iceberg.Int64Type:
		return "BIGINT", nil
	case iceberg.Float32Type:
		return "FLOAT", nil
	case iceberg.Float64Type:
		return "DOUBLE", nil
	case iceberg.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision(), t.Scale()), nil
	case iceberg.DateType:
		return "DATE", nil
	case iceberg.TimeType:
		return "TIME", nil
	case iceberg.TimestampType:
		return "TIMESTAMP", nil
	case iceberg.TimestampTzType:
		return "TIMESTAMPTZ", nil
	case iceberg.TimestampNsType:
		return "TIMESTAMP_NS", nil
	case iceberg.TimestampTzNsType:
		return "TIMESTAMPTZ", nil
	case iceberg.StringType:
		return "VARCHAR", nil
	case iceberg.UUIDType:
		return "UUID", nil
	case iceberg.BinaryType, iceberg.FixedType:
		return "BLOB", nil
	case *iceberg.ListType:
		e, err := duckType(t.Element)
		if err != nil {
			return "", err
		}
		return e + "[]", nil
	case *iceberg.MapType:
		k, err := duckType(t.KeyType)
		if err != nil {
			return "", err
		}
		v, err := duckType(t.ValueType)
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", nil
	case *iceberg.StructType:
		var fs []string
		for _, f := range t.FieldList {
			ft, err := duckType(f.Type)
			if err != nil {
				return "", err
			}
			fs = append(fs, quoteIdent(f.Name)+" "+ft)
		}
		return "STRUCT(" + strings.Join(fs, ", ") + ")", nil
	}
	return "", fmt.Errorf("type %s is not supported by ad-hoc queries", t)
}

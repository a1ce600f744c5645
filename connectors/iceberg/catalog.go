// Package iceberg is the lakehouse connector: Iceberg catalogs (an embedded
// SQL catalog on SQLite by default, REST / Glue / Hive / other SQL catalogs
// through CREATE CATALOG) and the Iceberg sink (parquet data files, one
// atomic commit per checkpoint, exactly once). It is built on
// github.com/apache/iceberg-go.
package iceberg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/glue"   // registers catalog type "glue"
	_ "github.com/apache/iceberg-go/catalog/hadoop" // registers catalog type "hadoop"
	_ "github.com/apache/iceberg-go/catalog/hive"   // registers catalog type "hive"
	_ "github.com/apache/iceberg-go/catalog/rest"   // registers catalog types "rest", "http", "https"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/chatsql/chatsql/connectors"
)

// DefaultCatalog is the embedded catalog's name.
const DefaultCatalog = "lake"

// ErrNoSuchCatalog is returned for a catalog name that is neither the
// embedded catalog nor one created with CREATE CATALOG or settings.
var ErrNoSuchCatalog = errors.New("no such catalog")

// SettingPrefix starts the settings that define or change a catalog:
// SET 'catalog.<name>.<option>' = '<value>', with the options of CREATE
// CATALOG ('catalog-type', 'uri', 'warehouse', 'jdbc.user', 's3.region', ...).
const SettingPrefix = "catalog."

// Catalogs is a session's Iceberg catalogs by name; DefaultCatalog is the
// embedded SQL catalog on SQLite (DIR/catalog.db, warehouse DIR/warehouse),
// opened lazily. A catalog is defined by CREATE CATALOG (Register), by
// settings (ApplySettings), or both: settings change a catalog's options.
//
// It is safe for concurrent use. Catalogs are opened on first use and kept
// open until Close.
type Catalogs struct {
	dataDir string

	mu      sync.Mutex
	defs    map[string]*catalogDef // by catalog name; a def is never changed, only replaced
	open    map[string]catalog.Catalog
	retired []catalog.Catalog // opened under a definition that changed since; closed by Close
	closed  bool
}

// catalogDef is one catalog's definition.
type catalogDef struct {
	created  map[string]string    // CREATE CATALOG's options (lower-case keys); nil for the embedded catalog and settings-only ones
	settings map[string]string    // its catalog.<name>.* settings, by option
	props    iceberggo.Properties // what iceberg-go gets; nil when err is set
	err      error                // why the definition cannot be used (an option is missing)
}

// definedBy says where a definition comes from, for SHOW CATALOGS.
func (d *catalogDef) definedBy(name string) string {
	base := "CREATE CATALOG"
	switch {
	case name == DefaultCatalog:
		base = "embedded"
	case d.created == nil:
		return "settings"
	}
	if len(d.settings) > 0 {
		if replaces(d.settings) {
			return "settings (replacing " + base + ")"
		}
		return base + " + settings"
	}
	return base
}

// NewCatalogs returns the catalogs of a session whose data directory is
// dataDir (the --data-dir handle; "" means ./chatsql-data).
func NewCatalogs(dataDir string) *Catalogs {
	if dataDir == "" {
		dataDir = "chatsql-data"
	}
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	return &Catalogs{
		dataDir: dataDir,
		defs:    map[string]*catalogDef{DefaultCatalog: {props: EmbeddedProperties(dataDir)}},
		open:    map[string]catalog.Catalog{},
	}
}

// DataDir is the absolute data directory the embedded catalog lives in.
func (c *Catalogs) DataDir() string { return c.dataDir }

// EmbeddedProperties are the iceberg-go properties of the embedded SQL
// catalog of dataDir: SQLite at dataDir/catalog.db, warehouse
// dataDir/warehouse. pyiceberg opens the same catalog with
// SqlCatalog("lake", uri="sqlite:///DIR/catalog.db", warehouse="file://DIR/warehouse").
func EmbeddedProperties(dataDir string) iceberggo.Properties {
	return iceberggo.Properties{
		"type":            "sql",
		"uri":             sqliteURI(filepath.Join(dataDir, "catalog.db")),
		sqlcat.DriverKey:  sqliteshim.ShimName,
		sqlcat.DialectKey: "sqlite",
		"warehouse":       "file://" + filepath.ToSlash(filepath.Join(dataDir, "warehouse")),
	}
}

// embeddedOptions are the embedded catalog's definition as CREATE CATALOG
// options: what settings that change 'lake' (without replacing it) add to.
func embeddedOptions(dataDir string) map[string]string {
	return map[string]string{
		"type": "iceberg", "catalog-type": "sql",
		"uri":       "sqlite://" + filepath.ToSlash(filepath.Join(dataDir, "catalog.db")),
		"warehouse": filepath.Join(dataDir, "warehouse"),
	}
}

// sqliteURI is the database/sql DSN of a SQLite file: a file: URI with a busy
// timeout, so that two processes (a job and a pyiceberg reader, or two jobs)
// wait for each other's short write transactions instead of failing.
func sqliteURI(path string) string {
	return "file://" + filepath.ToSlash(path) + "?_pragma=busy_timeout(10000)"
}

// flinkOnly are Flink catalog options that mean nothing to iceberg-go.
var flinkOnly = map[string]bool{
	"type": true, "catalog-type": true, "catalog-impl": true, "property-version": true,
	"cache-enabled": true, "cache.expiration-interval-ms": true, "default-database": true,
	"clients": true, "hive-conf-dir": true, "hadoop-conf-dir": true, "io-impl": true,
}

// knownOptions are the catalog options taken besides flinkOnly's and
// those under optionPrefixes: iceberg-go's catalog properties.
var knownOptions = []string{
	"uri", "warehouse", "credential", "token", "scope", "audience", "resource", "prefix",
	"oauth2-server-uri", "init_catalog_tables", "snapshot-loading-mode", "namespace-separator",
	"rest-metrics-reporting-enabled", "rest-metrics-reporting-timeout-ms", "view-endpoints-supported",
	"lock-check-min-wait-time", "lock-check-max-wait-time", "lock-check-retries",
	"jdbc.user", "jdbc.password",
}

// optionPrefixes are the families of iceberg-go properties passed through
// as they are (storage, catalog clients, table defaults), and 'jdbc.' for
// a Postgres catalog's connection parameters (Iceberg JdbcCatalog's way).
var optionPrefixes = []string{
	"s3.", "gcs.", "adls.", "glue.", "hive.", "rest.", "sql.", "jdbc.", "client.", "header.",
	"iceberg.", "aws.", "io.", "oauth2.", "table-default.", "table-override.",
}

// checkOption says whether key is a catalog option chatsql knows.
func checkOption(key string) error {
	if flinkOnly[key] || slices.Contains(knownOptions, key) {
		return nil
	}
	for _, p := range optionPrefixes {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return nil
		}
	}
	all := append(slices.Collect(maps.Keys(flinkOnly)), knownOptions...)
	msg := fmt.Sprintf("unknown catalog option '%s'", key)
	if m := connectors.Closest(key, all); m != "" {
		return fmt.Errorf("%s (did you mean '%s'?)", msg, m)
	}
	return fmt.Errorf("%s (options: 'catalog-type', 'uri', 'warehouse', 'jdbc.user', 'jdbc.password', and iceberg-go's properties under %s)",
		msg, strings.Join(optionPrefixes, "*, ")+"*")
}

// missingOption is a definition that lacks an option: CREATE CATALOG fails
// with it, a catalog from settings waits for it (an error when it is used).
type missingOption struct{ option, what string }

func (e *missingOption) Error() string {
	return fmt.Sprintf("option '%s' is missing (%s)", e.option, e.what)
}

// Register defines catalog name, as CREATE CATALOG name WITH (...) does:
// Flink option names 'type'='iceberg', 'catalog-type'='sql'|'rest'|'glue'|'hive'
// (or 'hadoop'), 'uri', 'warehouse', plus iceberg-go's own properties passed
// through ('s3.region', 'credential', 'glue.region', 'sql.driver', ...).
// The catalog is not contacted until it is used.
func (c *Catalogs) Register(name string, props map[string]string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if err := checkName(name); err != nil {
		return fmt.Errorf("CREATE CATALOG: %w", err)
	}
	opts := lowerKeys(props)
	p, err := c.translate(opts)
	if err != nil {
		return fmt.Errorf("CREATE CATALOG %s: %w", name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("catalogs are closed")
	}
	if d, dup := c.defs[name]; dup {
		switch {
		case name == DefaultCatalog:
			return fmt.Errorf("CREATE CATALOG: '%s' is the embedded catalog (in %s); choose another name, or change it with SET '%s%s.<option>'", name, c.dataDir, SettingPrefix, name)
		case d.created == nil:
			return fmt.Errorf("CREATE CATALOG: catalog '%s' is defined by settings '%s%s.*' (RESET '%s%s' forgets them)", name, SettingPrefix, name, SettingPrefix, name)
		}
		return fmt.Errorf("CREATE CATALOG: catalog '%s' already exists", name)
	}
	c.defs[name] = &catalogDef{created: opts, props: p}
	return nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("empty catalog name")
	}
	if strings.Contains(name, ".") {
		return fmt.Errorf("catalog name '%s' must not contain a dot", name)
	}
	return nil
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return out
}

// ParseSetting splits a catalog setting's key 'catalog.<name>.<option>'
// (lower-cased); option is "" for 'catalog.<name>' (RESET of a whole
// catalog). ok is false for keys that are not catalog settings.
func ParseSetting(key string) (name, option string, ok bool, err error) {
	key = strings.ToLower(strings.TrimSpace(key))
	if !strings.HasPrefix(key, SettingPrefix) {
		return "", "", false, nil
	}
	rest := strings.TrimPrefix(key, SettingPrefix)
	name, option, _ = strings.Cut(rest, ".")
	if name == "" {
		return "", "", true, fmt.Errorf("setting '%s': want 'catalog.<name>.<option>', e.g. 'catalog.lake.uri'", key)
	}
	if option != "" {
		if err := checkOption(option); err != nil {
			return name, option, true, fmt.Errorf("setting '%s': %w", key, err)
		}
	}
	return name, option, true, nil
}

// CheckSetting validates one catalog setting's key and value on its own
// (not against the rest of the definition: ApplySettings does that).
func CheckSetting(key, value string) (name, option string, err error) {
	name, option, ok, err := ParseSetting(key)
	if !ok || err != nil {
		return name, option, err
	}
	if option == "" {
		return name, "", fmt.Errorf("setting '%s' names no option: SET '%s%s.<option>' = '...', e.g. 'catalog-type', 'uri', 'warehouse'", key, SettingPrefix, name)
	}
	return name, option, nil
}

// replaces says whether a catalog's settings define it anew instead of
// changing its CREATE CATALOG (or embedded) options: they do when they give
// its type or its 'uri' (it is then another catalog).
func replaces(settings map[string]string) bool {
	for _, k := range []string{"catalog-type", "catalog-impl", "uri"} {
		if _, ok := settings[k]; ok {
			return true
		}
	}
	return false
}

// ApplySettings makes the catalog.<name>.<option> settings among settings
// the catalogs' settings, replacing those applied before: a name only
// settings give is a catalog of its own; for a catalog that exists (the
// embedded 'lake', or CREATE CATALOG's) they change its options or, when
// they give 'catalog-type' or 'uri', replace its definition. Options with an
// empty value are ignored. A catalog that lacks an option (e.g. 'warehouse'
// not set yet) is kept as incomplete: using it is an error that says what to
// set. A bad key or value is an error and nothing changes. Catalogs opened
// under a definition that changed are not used again (jobs already running
// keep theirs: they were given their catalog's properties when planned).
func (c *Catalogs) ApplySettings(settings map[string]string) error {
	byName := map[string]map[string]string{}
	keys := slices.Sorted(maps.Keys(settings))
	for _, k := range keys {
		v := settings[k]
		name, option, err := CheckSetting(k, v)
		if err != nil {
			return err
		}
		if name == "" || strings.TrimSpace(v) == "" {
			continue
		}
		if byName[name] == nil {
			byName[name] = map[string]string{}
		}
		byName[name][option] = v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	next := map[string]*catalogDef{}
	for name, d := range c.defs {
		if name != DefaultCatalog && d.created == nil && byName[name] == nil {
			continue // defined by settings that are gone
		}
		next[name] = &catalogDef{created: d.created}
	}
	for name, opts := range byName {
		if next[name] == nil {
			next[name] = &catalogDef{}
		}
		next[name].settings = opts
	}
	for _, name := range slices.Sorted(maps.Keys(next)) {
		d := next[name]
		if err := c.computeLocked(name, d); err != nil {
			return err
		}
	}
	for name, cat := range c.open {
		if d, ok := next[name]; !ok || !maps.Equal(d.props, c.defs[name].props) {
			c.retired = append(c.retired, cat)
			delete(c.open, name)
		}
	}
	c.defs = next
	return nil
}

// computeLocked sets d.props (or d.err) from d's options; a bad value is
// returned as an error.
func (c *Catalogs) computeLocked(name string, d *catalogDef) error {
	if len(d.settings) == 0 {
		if d.created == nil { // the embedded catalog
			d.props = EmbeddedProperties(c.dataDir)
			return nil
		}
		p, err := c.translate(d.created)
		if err != nil {
			return fmt.Errorf("catalog '%s': %w", name, err)
		}
		d.props = p
		return nil
	}
	opts := map[string]string{}
	if !replaces(d.settings) {
		base := d.created
		if base == nil && name == DefaultCatalog {
			base = embeddedOptions(c.dataDir)
		}
		maps.Copy(opts, base)
	}
	maps.Copy(opts, d.settings)
	p, err := c.translate(opts)
	var miss *missingOption
	switch {
	case errors.As(err, &miss):
		d.err = fmt.Errorf("catalog '%s' is not complete: %w; SET '%s%s.%s' = '...'", name, err, SettingPrefix, name, miss.option)
	case err != nil:
		return fmt.Errorf("catalog '%s' (settings '%s%s.*'): %w", name, SettingPrefix, name, err)
	default:
		d.props = p
	}
	return nil
}

// translate maps Flink's CREATE CATALOG options (lower-case keys) to
// iceberg-go properties. A missing option is a *missingOption.
func (c *Catalogs) translate(props map[string]string) (iceberggo.Properties, error) {
	low := maps.Clone(props)
	for _, k := range slices.Sorted(maps.Keys(low)) {
		if err := checkOption(k); err != nil {
			return nil, err
		}
	}
	if t, ok := low["type"]; ok && !strings.EqualFold(t, "iceberg") {
		return nil, fmt.Errorf("option 'type': '%s' is not supported (only 'iceberg')", t)
	}
	if impl := low["catalog-impl"]; impl != "" && low["catalog-type"] == "" {
		switch {
		case strings.Contains(impl, "glue"):
			low["catalog-type"] = "glue"
		case strings.Contains(impl, "rest"):
			low["catalog-type"] = "rest"
		case strings.Contains(impl, "jdbc"):
			low["catalog-type"] = "sql"
		default:
			return nil, fmt.Errorf("option 'catalog-impl': '%s' is not supported (use 'catalog-type' = sql, rest, glue or hive)", impl)
		}
	}
	ct := strings.ToLower(low["catalog-type"])
	uri := strings.TrimSpace(low["uri"])
	switch ct {
	case "jdbc":
		ct = "sql"
	case "":
		lu := strings.ToLower(uri)
		switch {
		case uri == "":
			return nil, &missingOption{"catalog-type", "sql, rest, glue, hive; or a 'uri' it follows from"}
		case strings.HasPrefix(lu, "thrift://"):
			ct = "hive"
		case isPostgresURI(uri), strings.HasPrefix(lu, "jdbc:"), strings.HasPrefix(lu, "sqlite:"),
			strings.HasPrefix(lu, "file:"), strings.HasSuffix(lu, ".db"):
			ct = "sql"
		case strings.HasPrefix(lu, "http://"), strings.HasPrefix(lu, "https://"):
			ct = "rest"
		default:
			return nil, fmt.Errorf("option 'catalog-type' is missing and the 'uri' '%s' does not tell it (http(s):// is REST, thrift:// Hive, sqlite:, postgres:// and jdbc: SQL); give 'catalog-type'", RedactURI(uri))
		}
	case "sql", "rest", "glue", "hive", "hadoop":
	default:
		return nil, fmt.Errorf("option 'catalog-type': '%s' is not supported (sql, rest, glue, hive, hadoop)", ct)
	}
	out := iceberggo.Properties{}
	jdbc := map[string]string{}
	for k, v := range low {
		switch {
		case flinkOnly[k]:
		case strings.HasPrefix(k, "jdbc.") && k != sqlcat.SchemaVersionKey:
			jdbc[strings.TrimPrefix(k, "jdbc.")] = v
		default:
			out[k] = v
		}
	}
	out["type"] = ct
	if wh := out["warehouse"]; wh != "" && !strings.Contains(wh, "://") {
		abs, err := filepath.Abs(wh)
		if err != nil {
			return nil, err
		}
		out["warehouse"] = "file://" + filepath.ToSlash(abs)
	}
	if len(jdbc) > 0 && ct != "sql" {
		return nil, fmt.Errorf("options 'jdbc.*' are for a 'sql' catalog on PostgreSQL, not a '%s' catalog", ct)
	}
	switch ct {
	case "sql":
		if err := c.translateSQL(out, uri, jdbc); err != nil {
			return nil, err
		}
	case "rest", "hive":
		if uri == "" {
			what := "the REST catalog's URL, e.g. 'https://host/api/catalog'"
			if ct == "hive" {
				what = "the metastore's 'thrift://host:9083'"
			}
			return nil, &missingOption{"uri", what}
		}
	}
	if err := javaAliases(ct, out); err != nil { // catalog_remote.go
		return nil, err
	}
	return out, nil
}

// translateSQL fills in a SQL catalog's driver, dialect and connection
// string: SQLite for a file, PostgreSQL for its URL, JDBC and key=value
// forms.
func (c *Catalogs) translateSQL(out iceberggo.Properties, uri string, jdbc map[string]string) error {
	dialect := strings.ToLower(out[sqlcat.DialectKey])
	luri := strings.ToLower(uri)
	sqlite := strings.HasPrefix(luri, "sqlite:") || strings.HasPrefix(luri, "jdbc:sqlite:") || strings.HasPrefix(luri, "file:") ||
		(strings.HasSuffix(luri, ".db") && !isPostgresURI(uri))
	switch {
	case uri == "":
		return &missingOption{"uri", "a SQLite file, e.g. 'sqlite:///path/catalog.db', or a PostgreSQL database, e.g. 'postgres://host:5432/db' or 'jdbc:postgresql://host:5432/db'"}
	case sqlite && dialect != "postgres":
		if len(jdbc) > 0 {
			return errors.New("options 'jdbc.*' are for a catalog on PostgreSQL, not on a SQLite file")
		}
		path := strings.TrimPrefix(uri, "jdbc:")
		path = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(path, "sqlite:"), "file:"), "//")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		out["uri"] = sqliteURI(abs)
		if out[sqlcat.DriverKey] == "" {
			out[sqlcat.DriverKey] = sqliteshim.ShimName
		}
		if out[sqlcat.DialectKey] == "" {
			out[sqlcat.DialectKey] = "sqlite"
		}
	case isPostgresURI(uri) || dialect == "postgres":
		if dialect != "" && dialect != "postgres" {
			return fmt.Errorf("option 'sql.dialect': '%s' does not fit the PostgreSQL 'uri' (use 'postgres', or leave it out)", dialect)
		}
		dsn, err := postgresDSN(uri, jdbc)
		if err != nil {
			return fmt.Errorf("option 'uri': %w", err)
		}
		out["uri"] = dsn
		if out[sqlcat.DriverKey] == "" {
			out[sqlcat.DriverKey] = PostgresDriver
		}
		out[sqlcat.DialectKey] = "postgres"
	default:
		if out[sqlcat.DriverKey] == "" || out[sqlcat.DialectKey] == "" {
			return fmt.Errorf("option 'uri': '%s' is neither a SQLite file ('sqlite:///path/catalog.db') nor a PostgreSQL database ('postgres://host:5432/db', 'jdbc:postgresql://host:5432/db', 'host=... dbname=...'); only those two are built in",
				RedactURI(uri))
		}
		out["uri"] = uri
	}
	if out["warehouse"] == "" {
		return &missingOption{"warehouse", "where the tables' files go: a directory, 's3://bucket/path', 'gs://bucket/path'"}
	}
	return nil
}

// Problem is why catalog name cannot be used yet (an option its settings
// have not given), or nil.
func (c *Catalogs) Problem(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.defs[strings.ToLower(name)]; ok {
		return d.err
	}
	return nil
}

// Get returns catalog name, opening it on first use.
func (c *Catalogs) Get(ctx context.Context, name string) (catalog.Catalog, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		name = DefaultCatalog
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("catalogs are closed")
	}
	if cat, ok := c.open[name]; ok {
		return cat, nil
	}
	d, ok := c.defs[name]
	if !ok {
		return nil, fmt.Errorf("%w '%s' (catalogs: %s; create one with CREATE CATALOG %s WITH ('type'='iceberg', 'catalog-type'=..., ...) or SET '%s%s.<option>' = '...')",
			ErrNoSuchCatalog, name, strings.Join(c.namesLocked(), ", "), name, SettingPrefix, name)
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.props["warehouse"] == EmbeddedProperties(c.dataDir)["warehouse"] {
		if err := os.MkdirAll(filepath.Join(c.dataDir, "warehouse"), 0o755); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
	}
	cat, err := catalog.Load(ctx, name, d.props)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	c.open[name] = cat
	return cat, nil
}

// Names lists the catalogs, sorted, DefaultCatalog included.
func (c *Catalogs) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.namesLocked()
}

func (c *Catalogs) namesLocked() []string {
	return slices.Sorted(maps.Keys(c.defs))
}

// Has reports whether name is a catalog of the session (complete or not).
func (c *Catalogs) Has(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.defs[strings.ToLower(name)]
	return ok
}

// Properties returns a copy of catalog name's iceberg-go properties (nil if
// there is no such catalog, or its settings do not define it completely).
func (c *Catalogs) Properties(name string) map[string]string {
	p, _ := c.Props(name)
	return p
}

// Props is Properties with the reason when there are none: no such catalog
// (ErrNoSuchCatalog), or an option its settings have not given.
func (c *Catalogs) Props(name string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.defs[strings.ToLower(name)]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w '%s'", ErrNoSuchCatalog, name)
	case d.err != nil:
		return nil, d.err
	}
	return maps.Clone(map[string]string(d.props)), nil
}

// Info describes a catalog for SHOW CATALOGS; URI has no password.
type Info struct {
	Name, Type, URI, Warehouse string
	DefinedBy                  string // embedded, CREATE CATALOG, settings, or a mix
	Problem                    string // why it cannot be used yet ("" when it can)
}

// Infos describes every catalog, sorted by name.
func (c *Catalogs) Infos() []Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Info
	for _, name := range c.namesLocked() {
		d := c.defs[name]
		in := Info{Name: name, DefinedBy: d.definedBy(name)}
		if d.err != nil {
			in.Problem = d.err.Error()
			opts := map[string]string{}
			maps.Copy(opts, d.settings)
			in.Type, in.URI, in.Warehouse = opts["catalog-type"], RedactURI(opts["uri"]), opts["warehouse"]
		} else {
			in.Type, in.URI, in.Warehouse = d.props["type"], RedactURI(d.props["uri"]), d.props["warehouse"]
		}
		out = append(out, in)
	}
	return out
}

// Resolve splits an Iceberg table name: "cat.ns.table" when cat is a catalog
// of the session (a name of three or more parts), else the default catalog
// and the whole name as namespace.table ("chat.messages").
func (c *Catalogs) Resolve(ident string) (catalogName string, id table.Identifier, err error) {
	parts := strings.Split(strings.TrimSpace(ident), ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), "`\"")
		if parts[i] == "" {
			return "", nil, fmt.Errorf("bad Iceberg table name '%s' (want [catalog.]namespace.table)", ident)
		}
	}
	if len(parts) >= 3 && c.Has(parts[0]) {
		return strings.ToLower(parts[0]), table.Identifier(parts[1:]), nil
	}
	if len(parts) < 2 {
		return "", nil, fmt.Errorf("bad Iceberg table name '%s' (want [catalog.]namespace.table, e.g. lake.chat.messages)", ident)
	}
	return DefaultCatalog, table.Identifier(parts), nil
}

// LoadTable loads an Iceberg table: "lake.chat.messages" or "chat.messages"
// (default catalog).
func (c *Catalogs) LoadTable(ctx context.Context, ident string) (*table.Table, error) {
	cn, id, err := c.Resolve(ident)
	if err != nil {
		return nil, err
	}
	cat, err := c.Get(ctx, cn)
	if err != nil {
		return nil, err
	}
	t, err := cat.LoadTable(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("Iceberg table %s.%s: %w", cn, strings.Join(id, "."), err)
	}
	return t, nil
}

// Close closes the catalogs that were opened. Catalogs cannot be used after.
func (c *Catalogs) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for name, cat := range c.open {
		if cl, ok := cat.(io.Closer); ok {
			if err := cl.Close(); err != nil {
				errs = append(errs, fmt.Errorf("catalog %s: %w", name, err))
			}
		}
		delete(c.open, name)
	}
	for _, cat := range c.retired {
		if cl, ok := cat.(io.Closer); ok {
			if err := cl.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	c.retired = nil
	return errors.Join(errs...)
}

// Clone returns catalogs with the same definitions and none of them open,
// for planning statements before they run (the session plans a script
// against copies). The clone must be closed if it is used to open catalogs.
func (c *Catalogs) Clone() *Catalogs {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &Catalogs{dataDir: c.dataDir, defs: maps.Clone(c.defs), open: map[string]catalog.Catalog{}}
}

// Drop forgets catalog name (DROP CATALOG); the embedded catalog cannot be
// dropped, nor a catalog settings define (RESET forgets those). Nothing in
// the catalog itself is deleted.
func (c *Catalogs) Drop(name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	c.mu.Lock()
	defer c.mu.Unlock()
	if name == DefaultCatalog {
		return fmt.Errorf("the embedded catalog '%s' cannot be dropped", name)
	}
	d, ok := c.defs[name]
	if !ok {
		return fmt.Errorf("%w '%s'", ErrNoSuchCatalog, name)
	}
	if len(d.settings) > 0 {
		return fmt.Errorf("catalog '%s' is configured by settings '%s%s.*': RESET '%s%s' forgets them", name, SettingPrefix, name, SettingPrefix, name)
	}
	if cat, ok := c.open[name]; ok {
		if cl, ok := cat.(io.Closer); ok {
			cl.Close()
		}
		delete(c.open, name)
	}
	delete(c.defs, name)
	return nil
}

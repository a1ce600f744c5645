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
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/glue" // registers catalog type "glue"
	_ "github.com/apache/iceberg-go/catalog/hive" // registers catalog type "hive"
	_ "github.com/apache/iceberg-go/catalog/rest" // registers catalog types "rest", "http", "https"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// DefaultCatalog is the embedded catalog's name.
const DefaultCatalog = "lake"

// ErrNoSuchCatalog is returned for a catalog name that is neither the
// embedded catalog nor one created with CREATE CATALOG.
var ErrNoSuchCatalog = errors.New("no such catalog")

// Catalogs is a session's Iceberg catalogs by name; DefaultCatalog is the
// embedded SQL catalog on SQLite (DIR/catalog.db, warehouse DIR/warehouse),
// opened lazily.
//
// It is safe for concurrent use. Catalogs are opened on first use and kept
// open until Close.
type Catalogs struct {
	dataDir string

	mu     sync.Mutex
	props  map[string]iceberggo.Properties // iceberg-go properties by catalog name
	open   map[string]catalog.Catalog
	closed bool
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
		props:   map[string]iceberggo.Properties{DefaultCatalog: EmbeddedProperties(dataDir)},
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
	"clients": true, "hive-conf-dir": true, "hadoop-conf-dir": true,
}

// Register defines catalog name, as CREATE CATALOG name WITH (...) does:
// Flink option names 'type'='iceberg', 'catalog-type'='sql'|'rest'|'glue'|'hive'
// (or 'hadoop'), 'uri', 'warehouse', plus iceberg-go's own properties passed
// through ('s3.region', 'credential', 'glue.region', 'sql.driver', ...).
// The catalog is not contacted until it is used.
func (c *Catalogs) Register(name string, props map[string]string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return errors.New("CREATE CATALOG: empty catalog name")
	}
	if strings.Contains(name, ".") {
		return fmt.Errorf("CREATE CATALOG: catalog name '%s' must not contain a dot", name)
	}
	p, err := c.translate(props)
	if err != nil {
		return fmt.Errorf("CREATE CATALOG %s: %w", name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("catalogs are closed")
	}
	if _, dup := c.props[name]; dup {
		if name == DefaultCatalog {
			return fmt.Errorf("CREATE CATALOG: '%s' is the embedded catalog (in %s); choose another name", name, c.dataDir)
		}
		return fmt.Errorf("CREATE CATALOG: catalog '%s' already exists", name)
	}
	c.props[name] = p
	return nil
}

// translate maps Flink's CREATE CATALOG options to iceberg-go properties.
func (c *Catalogs) translate(props map[string]string) (iceberggo.Properties, error) {
	low := map[string]string{}
	for k, v := range props {
		low[strings.ToLower(strings.TrimSpace(k))] = v
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
	switch ct {
	case "jdbc":
		ct = "sql"
	case "":
		if low["uri"] == "" {
			return nil, errors.New("option 'catalog-type' is missing (sql, rest, glue, hive)")
		}
		if strings.HasPrefix(low["uri"], "thrift://") {
			ct = "hive"
		} else {
			ct = "rest"
		}
	case "sql", "rest", "glue", "hive", "hadoop":
	default:
		return nil, fmt.Errorf("option 'catalog-type': '%s' is not supported (sql, rest, glue, hive, hadoop)", ct)
	}
	out := iceberggo.Properties{}
	for k, v := range low {
		if !flinkOnly[k] {
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
	if ct == "sql" {
		uri := strings.TrimPrefix(out["uri"], "jdbc:")
		switch {
		case uri == "":
			return nil, errors.New("option 'uri' is missing (a SQLite file, e.g. 'sqlite:///path/catalog.db', or a database URL with 'sql.driver' and 'sql.dialect')")
		case strings.HasPrefix(uri, "sqlite:"), strings.HasPrefix(uri, "file:"), strings.HasSuffix(uri, ".db"):
			path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(uri, "sqlite:"), "file:"), "//")
			if i := strings.IndexByte(path, '?'); i >= 0 {
				path = path[:i]
			}
			abs, err := filepath.Abs(path)
			if err != nil {
				return nil, err
			}
			out["uri"] = sqliteURI(abs)
			if out[sqlcat.DriverKey] == "" {
				out[sqlcat.DriverKey] = sqliteshim.ShimName
			}
			if out[sqlcat.DialectKey] == "" {
				out[sqlcat.DialectKey] = "sqlite"
			}
		default:
			out["uri"] = uri
			if out[sqlcat.DriverKey] == "" || out[sqlcat.DialectKey] == "" {
				return nil, fmt.Errorf("a SQL catalog at '%s' needs 'sql.driver' and 'sql.dialect' (only SQLite is built in)", uri)
			}
		}
		if out["warehouse"] == "" {
			return nil, errors.New("option 'warehouse' is missing")
		}
	}
	return out, nil
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
	p, ok := c.props[name]
	if !ok {
		return nil, fmt.Errorf("%w '%s' (catalogs: %s; create one with CREATE CATALOG %s WITH ('type'='iceberg', 'catalog-type'=..., ...))",
			ErrNoSuchCatalog, name, strings.Join(c.namesLocked(), ", "), name)
	}
	if name == DefaultCatalog {
		if err := os.MkdirAll(filepath.Join(c.dataDir, "warehouse"), 0o755); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
	}
	cat, err := catalog.Load(ctx, name, p)
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
	out := make([]string, 0, len(c.props))
	for k := range c.props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether name is a catalog of the session.
func (c *Catalogs) Has(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.props[strings.ToLower(name)]
	return ok
}

// Properties returns a copy of catalog name's iceberg-go properties (nil if
// there is no such catalog).
func (c *Catalogs) Properties(name string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.props[strings.ToLower(name)]
	if !ok {
		return nil
	}
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
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
	return errors.Join(errs...)
}

// Clone returns catalogs with the same definitions and none of them open,
// for planning statements before they run (the session plans a script
// against copies). The clone must be closed if it is used to open catalogs.
func (c *Catalogs) Clone() *Catalogs {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &Catalogs{dataDir: c.dataDir, props: make(map[string]iceberggo.Properties, len(c.props)), open: map[string]catalog.Catalog{}}
	for k, v := range c.props {
		out.props[k] = v
	}
	return out
}

// Drop forgets catalog name (DROP CATALOG); the embedded catalog cannot be
// dropped. Nothing in the catalog itself is deleted.
func (c *Catalogs) Drop(name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	c.mu.Lock()
	defer c.mu.Unlock()
	if name == DefaultCatalog {
		return fmt.Errorf("the embedded catalog '%s' cannot be dropped", name)
	}
	if _, ok := c.props[name]; !ok {
		return fmt.Errorf("%w '%s'", ErrNoSuchCatalog, name)
	}
	if cat, ok := c.open[name]; ok {
		if cl, ok := cat.(io.Closer); ok {
			cl.Close()
		}
		delete(c.open, name)
	}
	delete(c.props, name)
	return nil
}

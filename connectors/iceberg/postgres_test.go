package iceberg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/jackc/pgx/v5"

	"github.com/chatsql/chatsql/connectors/iceberg/pgtest"
)

// TestPostgresDSN: the forms users paste (URLs, JDBC URLs with Iceberg
// JdbcCatalog's 'jdbc.*' options, key=value strings) become a connection
// string pgx reads, with the same server, database, user and password.
func TestPostgresDSN(t *testing.T) {
	type want struct {
		host               string
		port               uint16
		db, user, password string
		params             map[string]string // runtime params (search_path, application_name)
		tls                bool              // sslmode=require: TLS and no plain fallback
	}
	tests := []struct {
		name string
		uri  string
		jdbc map[string]string
		want want
	}{
		{"url", "postgres://ice:s3cret@db.example:5433/lakedb", nil,
			want{host: "db.example", port: 5433, db: "lakedb", user: "ice", password: "s3cret"}},
		{"postgresql url, user from jdbc.*", "postgresql://db.example/lakedb?sslmode=disable", map[string]string{"user": "ice", "password": "s3cret"},
			want{host: "db.example", port: 5432, db: "lakedb", user: "ice", password: "s3cret"}},
		{"jdbc url", "jdbc:postgresql://db.example:5433/lakedb?currentSchema=iceberg&ApplicationName=chatsql&ssl=true", map[string]string{"user": "ice", "password": "s3cret"},
			want{host: "db.example", port: 5433, db: "lakedb", user: "ice", password: "s3cret",
				params: map[string]string{"search_path": "iceberg", "application_name": "chatsql"}, tls: true}},
		{"jdbc url with user and password in the query", "jdbc:postgresql://db.example/lakedb?user=ice&password=s3cret", nil,
			want{host: "db.example", port: 5432, db: "lakedb", user: "ice", password: "s3cret"}},
		{"jdbc short form", "jdbc:postgresql:lakedb", map[string]string{"user": "ice"},
			want{host: "localhost", port: 5432, db: "lakedb", user: "ice"}},
		{"key=value", "host=db.example port=5433 dbname=lakedb", map[string]string{"user": "ice", "password": "it's s3cret"},
			want{host: "db.example", port: 5433, db: "lakedb", user: "ice", password: "it's s3cret"}},
		{"key=value quoted", `host='db.example' dbname = 'lake db' user=ice password='a\'b c'`, nil,
			want{host: "db.example", port: 5432, db: "lake db", user: "ice", password: "a'b c"}},
		{"same user twice", "postgres://ice@db.example/lakedb", map[string]string{"user": "ice", "password": "s3cret"},
			want{host: "db.example", port: 5432, db: "lakedb", user: "ice", password: "s3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn, err := postgresDSN(tt.uri, tt.jdbc)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := pgx.ParseConfig(dsn)
			if err != nil {
				t.Fatalf("%s: %v", dsn, err)
			}
			w := tt.want
			if cfg.Host != w.host || cfg.Port != w.port || cfg.Database != w.db || cfg.User != w.user || cfg.Password != w.password {
				t.Fatalf("%s: host %q port %d db %q user %q password %q, want %+v", dsn, cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.Password, w)
			}
			if cfg.ConnectTimeout.Seconds() != DefaultPostgresConnectTimeout {
				t.Fatalf("connect timeout %v", cfg.ConnectTimeout)
			}
			for k, v := range w.params {
				if cfg.RuntimeParams[k] != v {
					t.Fatalf("runtime param %s = %q, want %q (%v)", k, cfg.RuntimeParams[k], v, cfg.RuntimeParams)
				}
			}
			if _, bad := cfg.RuntimeParams["currentSchema"]; bad {
				t.Fatal("currentSchema sent to the server as is")
			}
			if w.tls && (cfg.TLSConfig == nil || len(cfg.Fallbacks) > 0) {
				t.Fatalf("ssl=true: want TLS without fallback, got tls %v, %d fallbacks", cfg.TLSConfig != nil, len(cfg.Fallbacks))
			}
			if strings.Contains(RedactURI(dsn), "s3cret") {
				t.Fatalf("RedactURI(%s) shows the password", dsn)
			}
		})
	}

	bad := []struct {
		name, uri string
		jdbc      map[string]string
		want      string
	}{
		{"two users", "postgres://ice:s3cret@h/db", map[string]string{"user": "other"}, "user 'ice' in the 'uri' but 'other' as 'jdbc.user'"},
		{"two passwords", "postgres://ice:s3cret@h/db", map[string]string{"password": "other"}, "password is given twice"},
		{"unknown jdbc parameter", "jdbc:postgresql://h/db?loggerLevel=DEBUG", nil, "JDBC URL parameter 'loggerLevel'"},
		{"unknown jdbc option", "postgres://h/db", map[string]string{"loglevel": "2"}, "option 'jdbc.loglevel'"},
		{"bad key=value", "host=h dbname='db", nil, "no closing quote"},
		{"bad port", "postgres://ice:s3cret@h:notaport/db", nil, "not a PostgreSQL URL"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgresDSN(tt.uri, tt.jdbc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestRedactURI(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://ice:s3cret@h:5432/db?sslmode=disable":          "postgres://ice:****@h:5432/db?sslmode=disable",
		"postgres://ice@h/db":                                      "postgres://ice@h/db",
		"jdbc:postgresql://h/db?user=ice&password=s3cret&ssl=true": "jdbc:postgresql://h/db?user=ice&password=****&ssl=true",
		"host=h password='s3 cret' user=ice":                       "host=h password=**** user=ice",
		"host=h password=s3cret user=ice":                          "host=h password=**** user=ice",
		"https://catalog.example/api":                              "https://catalog.example/api",
		"file:///tmp/x.db?_pragma=busy_timeout(10000)":             "file:///tmp/x.db?_pragma=busy_timeout(10000)",
	} {
		if got := RedactURI(in); got != want {
			t.Errorf("RedactURI(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestCatalogOptionsPostgres: a 'sql' catalog (or one whose 'uri' is a
// PostgreSQL URL) gets the Postgres driver and dialect; unknown options and
// bad values are errors that name them, never showing a password.
func TestCatalogOptionsPostgres(t *testing.T) {
	c := NewCatalogs(t.TempDir())
	defer c.Close()
	wh := t.TempDir()
	for _, opts := range []map[string]string{
		{"type": "iceberg", "catalog-type": "sql", "uri": "postgres://ice:s3cret@h/db", "warehouse": wh},
		{"type": "iceberg", "uri": "postgresql://ice:s3cret@h/db", "warehouse": wh},
		{"type": "iceberg", "catalog-type": "jdbc", "uri": "jdbc:postgresql://h/db", "jdbc.user": "ice", "jdbc.password": "s3cret", "warehouse": wh},
		{"type": "iceberg", "catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog", "uri": "jdbc:postgresql://h/db", "JDBC.USER": "ice", "jdbc.password": "s3cret", "warehouse": wh,
			"io-impl": "org.apache.iceberg.hadoop.HadoopFileIO"},
		{"type": "iceberg", "catalog-type": "sql", "uri": "host=h dbname=db user=ice password=s3cret", "warehouse": wh, "s3.region": "eu-west-1"},
	} {
		p, err := c.translate(lowerKeys(opts))
		if err != nil {
			t.Fatalf("%v: %v", opts, err)
		}
		if p["type"] != "sql" || p[sqlcat.DriverKey] != PostgresDriver || p[sqlcat.DialectKey] != "postgres" || p["warehouse"] != "file://"+wh {
			t.Fatalf("%v: props %v", opts, p)
		}
		cfg, err := pgx.ParseConfig(p["uri"])
		if err != nil || cfg.Host != "h" || cfg.Database != "db" || cfg.User != "ice" || cfg.Password != "s3cret" {
			t.Fatalf("%v: uri %s: %v", opts, p["uri"], err)
		}
		for k := range p {
			if strings.HasPrefix(k, "jdbc.") || k == "io-impl" {
				t.Fatalf("%v: %s passed to iceberg-go", opts, k)
			}
		}
	}

	bad := []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"catalog-type": "sql", "uri": "postgres://ice:s3cret@h/db", "warehous": wh}, "unknown catalog option 'warehous' (did you mean 'warehouse'?)"},
		{map[string]string{"catalog-type": "sql", "uri": "postgres://ice:s3cret@h/db"}, "option 'warehouse' is missing"},
		{map[string]string{"catalog-type": "sql", "warehouse": wh}, "option 'uri' is missing"},
		{map[string]string{"catalog-type": "sql", "uri": "mysql://ice:s3cret@h/db", "warehouse": wh}, "only those two are built in"},
		{map[string]string{"catalog-type": "sql", "uri": "postgres://ice:s3cret@h/db", "sql.dialect": "mysql", "warehouse": wh}, "option 'sql.dialect': 'mysql' does not fit"},
		{map[string]string{"catalog-type": "rest", "uri": "http://h", "jdbc.user": "ice"}, "options 'jdbc.*' are for a 'sql' catalog"},
		{map[string]string{"catalog-type": "sql", "uri": "sqlite:///x.db", "jdbc.user": "ice", "warehouse": wh}, "not on a SQLite file"},
		{map[string]string{"catalog-type": "rest"}, "option 'uri' is missing (the REST catalog's URL"},
		{map[string]string{"uri": "mysql://ice:s3cret@h/db", "warehouse": wh}, "option 'catalog-type' is missing and the 'uri' 'mysql://ice:****@h/db' does not tell it"},
		{map[string]string{"bogus-option": "1", "catalog-type": "rest", "uri": "http://h"}, "unknown catalog option 'bogus-option' (options:"},
	}
	for _, tt := range bad {
		_, err := c.translate(tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.opts, err, tt.want)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%v: the error shows the password: %v", tt.opts, err)
		}
	}
}

// TestCatalogsApplySettings: catalog.<name>.<option> settings change the
// embedded catalog, replace it (a 'uri'), define catalogs of their own,
// wait for a missing option, and go away with their settings; a bad value
// changes nothing; a catalog opened under an old definition is not reused.
func TestCatalogsApplySettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := NewCatalogs(filepath.Join(dir, "data"))
	defer c.Close()
	embedded := EmbeddedProperties(c.DataDir())
	lake0, err := c.Get(ctx, DefaultCatalog)
	if err != nil {
		t.Fatal(err)
	}

	// an option that does not replace: added to the embedded definition
	if err := c.ApplySettings(map[string]string{"kafka.brokers": "x:1", "catalog.lake.s3.region": "eu-west-1"}); err != nil {
		t.Fatal(err)
	}
	p := c.Properties(DefaultCatalog)
	if p["uri"] != embedded["uri"] || p["warehouse"] != embedded["warehouse"] || p["s3.region"] != "eu-west-1" || p[sqlcat.DriverKey] != embedded[sqlcat.DriverKey] {
		t.Fatalf("lake + s3.region: %v", p)
	}
	lake1, err := c.Get(ctx, DefaultCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if lake1 == lake0 {
		t.Fatal("the catalog opened under the old definition is reused")
	}

	// 'uri' replaces the definition: incomplete until 'warehouse' is set
	if err := c.ApplySettings(map[string]string{"catalog.lake.uri": "postgres://ice:s3cret@h/db"}); err != nil {
		t.Fatal(err)
	}
	prob := c.Problem(DefaultCatalog)
	if prob == nil || !strings.Contains(prob.Error(), "option 'warehouse' is missing") || !strings.Contains(prob.Error(), "SET 'catalog.lake.warehouse'") {
		t.Fatalf("Problem = %v", prob)
	}
	if _, err := c.Get(ctx, DefaultCatalog); err == nil || err.Error() != prob.Error() {
		t.Fatalf("Get of an incomplete catalog: %v", err)
	}
	if _, err := c.Props(DefaultCatalog); err == nil {
		t.Fatal("Props of an incomplete catalog")
	}
	in := c.Infos()[0]
	if in.Problem == "" || in.URI != "postgres://ice:****@h/db" || in.DefinedBy != "settings (replacing embedded)" {
		t.Fatalf("Infos: %+v", in)
	}
	if err := c.ApplySettings(map[string]string{"catalog.lake.uri": "postgres://ice:s3cret@h/db", "catalog.lake.warehouse": filepath.Join(dir, "pgwh")}); err != nil {
		t.Fatal(err)
	}
	p = c.Properties(DefaultCatalog)
	if p["type"] != "sql" || p[sqlcat.DriverKey] != PostgresDriver || p["warehouse"] != "file://"+filepath.Join(dir, "pgwh") || c.Problem(DefaultCatalog) != nil {
		t.Fatalf("lake on Postgres: %v", p)
	}

	// a catalog of its own, next to CREATE CATALOG's and changed by settings
	if err := c.Register("made", map[string]string{"type": "iceberg", "catalog-type": "sql", "uri": "sqlite:///" + filepath.Join(dir, "made.db"), "warehouse": filepath.Join(dir, "madewh")}); err != nil {
		t.Fatal(err)
	}
	set := map[string]string{
		"catalog.arch.catalog-type": "sql", "catalog.arch.uri": "sqlite:///" + filepath.Join(dir, "arch.db"), "catalog.arch.warehouse": filepath.Join(dir, "archwh"),
		"catalog.made.s3.endpoint": "http://127.0.0.1:9000",
	}
	if err := c.ApplySettings(set); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "arch,lake,made" {
		t.Fatalf("Names = %s", got)
	}
	if p := c.Properties(DefaultCatalog); p["uri"] != embedded["uri"] {
		t.Fatalf("lake without its settings: %v", p)
	}
	if p := c.Properties("made"); p["s3.endpoint"] != "http://127.0.0.1:9000" || p["warehouse"] != "file://"+filepath.Join(dir, "madewh") {
		t.Fatalf("made + s3.endpoint: %v", p)
	}
	by := map[string]string{}
	for _, in := range c.Infos() {
		by[in.Name] = in.DefinedBy
	}
	if by["arch"] != "settings" || by["made"] != "CREATE CATALOG + settings" || by["lake"] != "embedded" {
		t.Fatalf("defined by: %v", by)
	}
	arch, err := c.Get(ctx, "arch")
	if err != nil {
		t.Fatal(err)
	}
	if err := arch.CreateNamespace(ctx, []string{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Register("arch", map[string]string{"type": "iceberg", "catalog-type": "rest", "uri": "http://h"}); err == nil || !strings.Contains(err.Error(), "defined by settings 'catalog.arch.*'") {
		t.Fatalf("CREATE CATALOG over settings: %v", err)
	}
	if err := c.Drop("made"); err == nil || !strings.Contains(err.Error(), "RESET 'catalog.made'") {
		t.Fatalf("DROP of a catalog with settings: %v", err)
	}

	// a bad value: an error naming it, and nothing changes
	for key, want := range map[string]string{
		"catalog.arch.catalog-type": "option 'catalog-type': 'nessie' is not supported",
		"catalog.arch.warehous":     "unknown catalog option 'warehous' (did you mean 'warehouse'?)",
		"catalog.arch":              "names no option",
	} {
		bad := map[string]string{}
		for k, v := range set {
			bad[k] = v
		}
		bad[key] = "nessie"
		err := c.ApplySettings(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: err = %v, want %q", key, err, want)
		}
	}
	if !c.Has("arch") || c.Problem("arch") != nil {
		t.Fatal("a rejected setting changed the catalogs")
	}

	// without their settings, settings-only catalogs are gone
	if err := c.ApplySettings(nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "lake,made" {
		t.Fatalf("Names = %s", got)
	}
	if err := c.Drop("made"); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationPostgresCatalogConnect: a Postgres catalog on a real
// server through each URI form, the same catalog whichever form opens it;
// connection failures say which server and what to check, without the
// password.
func TestIntegrationPostgresCatalogConnect(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	host, db, user, password := pgtest.Parts(t, dbURL)
	wh := t.TempDir()

	forms := map[string]map[string]string{
		"url":       {"uri": dbURL},
		"jdbc":      {"uri": "jdbc:postgresql://" + host + "/" + db + "?ApplicationName=chatsql-test", "jdbc.user": user, "jdbc.password": password},
		"key=value": {"uri": fmt.Sprintf("host=%s port=%s dbname=%s", strings.Split(host, ":")[0], strings.Split(host, ":")[1], db), "jdbc.user": user, "jdbc.password": password},
	}
	first := true
	for _, form := range []string{"url", "jdbc", "key=value"} {
		opts := map[string]string{"type": "iceberg", "catalog-type": "sql", "warehouse": wh}
		for k, v := range forms[form] {
			opts[k] = v
		}
		c := NewCatalogs(t.TempDir())
		if err := c.Register("pg", opts); err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		cat, err := c.Get(ctx, "pg")
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		if first {
			first = false
			if err := cat.CreateNamespace(ctx, []string{"db"}, nil); err != nil {
				t.Fatal(err)
			}
			sc := iceberggo.NewSchema(0, iceberggo.NestedField{ID: 1, Name: "id", Type: iceberggo.PrimitiveTypes.Int64})
			if _, err := cat.CreateTable(ctx, []string{"db", "t"}, sc); err != nil {
				t.Fatal(err)
			}
		}
		tb, err := c.LoadTable(ctx, "pg.db.t")
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		if !strings.HasPrefix(tb.Location(), "file://"+wh) {
			t.Fatalf("%s: location %s", form, tb.Location())
		}
		c.Close()
	}

	// the catalog's rows are in Postgres, under its name (Iceberg's JDBC schema)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM iceberg_tables WHERE catalog_name = 'pg' AND table_namespace = 'db' AND table_name = 't'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("iceberg_tables: %d rows, %v", n, err)
	}

	// failures: which catalog, which server, what to check; no password
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().String()
	l.Close()
	failures := []struct {
		name string
		uri  string
		want []string
	}{
		{"wrong password", "postgres://" + user + ":wrong-s3cret@" + host + "/" + db,
			[]string{"catalog bad: PostgreSQL at " + host, "user '" + user + "'", "password authentication failed", "check the user and password"}},
		{"no such database", "postgres://" + user + ":" + password + "@" + host + "/no_such_db",
			[]string{"database 'no_such_db'", "does not exist", "CREATE DATABASE no_such_db"}},
		{"nothing listening", "postgres://" + user + ":" + password + "@" + closedPort + "/" + db,
			[]string{"cannot reach PostgreSQL at " + closedPort, "connection refused", "check that the server runs"}},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			c := NewCatalogs(t.TempDir())
			defer c.Close()
			if err := c.Register("bad", map[string]string{"type": "iceberg", "catalog-type": "sql", "uri": f.uri, "warehouse": wh}); err != nil {
				t.Fatal(err)
			}
			_, err := c.Get(ctx, "bad")
			if err == nil {
				t.Fatal("connected")
			}
			t.Log(err)
			for _, w := range f.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") || (password != "" && strings.Contains(err.Error(), ":"+password+"@")) {
				t.Fatalf("the error shows a password: %v", err)
			}
			if errors.Is(err, catalog.ErrNoSuchTable) {
				t.Fatal(err)
			}
		})
	}
}

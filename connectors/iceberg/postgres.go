package iceberg

// The Postgres-backed SQL catalog. iceberg-go's SQL catalog opens its
// database with database/sql (sql.Open(props["sql.driver"], props["uri"]))
// and speaks the dialect props["sql.dialect"] names through bun; the dialect
// (bun's pgdialect) comes with iceberg-go, the driver does not. We link
// jackc/pgx (its database/sql driver, stdlib): pure Go, maintained, the
// driver bun and most Go projects use for PostgreSQL. It is registered
// again under PostgresDriver, wrapped so that a failed connection says
// where it went and what to check, without the password.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresDriver is the database/sql driver name of a Postgres catalog:
// pgx, with errors that name the server and a hint.
const PostgresDriver = "chatsql-postgres"

// DefaultPostgresConnectTimeout is the connect_timeout (seconds) a
// Postgres catalog's connection string gets when it sets none: an
// unreachable host fails in seconds, not after the kernel's TCP timeout.
const DefaultPostgresConnectTimeout = 10

func init() { sql.Register(PostgresDriver, pgDriver{}) }

type pgDriver struct{}

func (pgDriver) Open(dsn string) (driver.Conn, error) {
	c, err := pgDriver{}.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

func (pgDriver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL connection string: %s", pgParseError(err))
	}
	return &pgConnector{inner: stdlib.GetConnector(*cfg), cfg: cfg}, nil
}

type pgConnector struct {
	inner driver.Connector
	cfg   *pgx.ConnConfig
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, postgresConnectError(c.cfg, err)
	}
	return conn, nil
}

func (c *pgConnector) Driver() driver.Driver { return pgDriver{} }

// postgresWhere names a server for messages: host:port, database, user.
func postgresWhere(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	} else {
		host = net.JoinHostPort(host, strconv.Itoa(int(cfg.Port)))
	}
	return fmt.Sprintf("PostgreSQL at %s (database '%s', user '%s')", host, cfg.Database, cfg.User)
}

// postgresConnectError explains a failed connection: where, why, and what
// to check. pgx's own errors carry no password; neither does this.
func postgresConnectError(cfg *pgx.ConnConfig, err error) error {
	where := postgresWhere(cfg)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		hint := ""
		switch pgErr.Code {
		case "28P01", "28000":
			hint = "check the user and password (the catalog's 'jdbc.user' / 'jdbc.password', or those in its 'uri') and the server's pg_hba.conf"
		case "3D000":
			hint = fmt.Sprintf("create the database (CREATE DATABASE %s) or name another one in the catalog's 'uri'", cfg.Database)
		case "42501":
			hint = "the user lacks a privilege it needs: CONNECT on the database, CREATE on its schema (the catalog creates its tables iceberg_tables and iceberg_namespace_properties)"
		case "53300":
			hint = "the server has no connection slot left (max_connections)"
		case "57P03":
			hint = "the server is starting up or shutting down; try again"
		default:
			hint = "see the server's log"
		}
		return fmt.Errorf("%s refused the connection: %s (SQLSTATE %s); %s", where, pgErr.Message, pgErr.Code, hint)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot reach %s: host '%s' is unknown (%v); check the host in the catalog's 'uri'", where, dnsErr.Name, dnsErr.Err)
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return fmt.Errorf("cannot reach %s: no answer within %v; check that the server runs and that the host and port in the catalog's 'uri' are right and reachable (a firewall?)", where, cfg.ConnectTimeout)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("cannot reach %s: %v; check that the server runs and listens there (listen_addresses, port) and the host and port in the catalog's 'uri'", where, opErr.Err)
	}
	return fmt.Errorf("cannot connect to %s: %w", where, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// pgParseError is pgx's parse error (it redacts passwords) without the
// "cannot parse `...`:" prefix's copy of the whole string.
func pgParseError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return RedactURI(pe.Error())
	}
	return RedactURI(err.Error())
}

// isPostgresURI reports whether uri is one of the PostgreSQL forms a
// catalog takes: a postgres:// or postgresql:// URL, a JDBC URL
// (jdbc:postgresql:...), or a key=value connection string.
func isPostgresURI(uri string) bool {
	low := strings.ToLower(strings.TrimSpace(uri))
	return strings.HasPrefix(low, "postgres://") || strings.HasPrefix(low, "postgresql://") ||
		strings.HasPrefix(low, "jdbc:postgresql:") || isKeyValueDSN(uri)
}

var kvKeyRE = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// isKeyValueDSN reports whether s looks like "host=... dbname=...".
func isKeyValueDSN(s string) bool { return !strings.Contains(s, "://") && kvKeyRE.MatchString(s) }

// jdbcParams maps the parameters of PgJDBC (in a jdbc:postgresql: URL's
// query, or as 'jdbc.<name>' catalog options, Iceberg JdbcCatalog's way) to
// libpq's, which pgx reads. Keys are lower case.
var jdbcParams = map[string]string{
	"user": "user", "password": "password",
	"sslmode": "sslmode", "sslrootcert": "sslrootcert", "sslcert": "sslcert", "sslkey": "sslkey", "sslpassword": "sslpassword",
	"currentschema": "search_path", "search_path": "search_path",
	"connecttimeout": "connect_timeout", "connect_timeout": "connect_timeout",
	"applicationname": "application_name", "application_name": "application_name",
	"ssl":              "ssl", // ssl=true: sslmode=require unless sslmode is given
	"targetservertype": "target_session_attrs", "target_session_attrs": "target_session_attrs",
}

func jdbcParamNames() string {
	var out []string
	for k := range jdbcParams {
		if !strings.Contains(k, "_") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// postgresDSN turns the connection string a user gave (uri) and the
// catalog's 'jdbc.*' options into the connection string pgx reads: a
// postgres:// URL, or a key=value string when one was given. The user and
// password may come from the uri or from 'jdbc.user' / 'jdbc.password'
// (both, if they agree). A connect_timeout is added when none is set.
// Errors never contain the password.
func postgresDSN(uri string, jdbc map[string]string) (string, error) {
	params := map[string]string{} // libpq names
	for k, v := range jdbc {
		lk, ok := jdbcParams[strings.ToLower(k)]
		if !ok {
			return "", fmt.Errorf("option 'jdbc.%s' is not a PostgreSQL connection parameter chatsql knows (%s)", k, jdbcParamNames())
		}
		params[lk] = v
	}
	merge := func(key, v string) error {
		if old, ok := params[key]; ok && old != v {
			if key == "password" || key == "sslpassword" {
				return fmt.Errorf("the %s is given twice, differently (in the 'uri' and as 'jdbc.%s'); give it once", key, key)
			}
			return fmt.Errorf("%s '%s' in the 'uri' but '%s' as 'jdbc.%s'; give it once", key, v, old, key)
		}
		params[key] = v
		return nil
	}
	uri = strings.TrimSpace(uri)
	low := strings.ToLower(uri)
	var dsn string
	switch {
	case isKeyValueDSN(uri):
		kv, err := parseKeyValueDSN(uri)
		if err != nil {
			return "", err
		}
		for _, p := range kv {
			if err := merge(p[0], p[1]); err != nil {
				return "", err
			}
		}
		dsn = formatKeyValueDSN(params)
	default:
		var u *url.URL
		var err error
		switch {
		case strings.HasPrefix(low, "jdbc:postgresql:"):
			rest := uri[len("jdbc:postgresql:"):]
			if strings.HasPrefix(rest, "//") {
				u, err = url.Parse("postgres:" + rest)
			} else { // jdbc:postgresql:database (localhost:5432)
				u, err = url.Parse("postgres://localhost/" + rest)
			}
		default:
			u, err = url.Parse(uri)
		}
		if err != nil {
			return "", fmt.Errorf("'%s' is not a PostgreSQL URL", RedactURI(uri))
		}
		jdbcURL := strings.HasPrefix(low, "jdbc:")
		if u.User != nil {
			if err := merge("user", u.User.Username()); err != nil {
				return "", err
			}
			if pw, ok := u.User.Password(); ok {
				if err := merge("password", pw); err != nil {
					return "", err
				}
			}
		}
		q := u.Query()
		for k, vs := range q {
			v := vs[len(vs)-1]
			key := k
			if jdbcURL {
				lk, ok := jdbcParams[strings.ToLower(k)]
				if !ok {
					return "", fmt.Errorf("JDBC URL parameter '%s' is not one chatsql knows (%s)", k, jdbcParamNames())
				}
				key = lk
			}
			if err := merge(key, v); err != nil {
				return "", err
			}
		}
		user, password := params["user"], params["password"]
		delete(params, "user")
		delete(params, "password")
		out := url.URL{Scheme: "postgres", Host: u.Host, Path: u.Path}
		switch {
		case password != "":
			out.User = url.UserPassword(user, password)
		case user != "":
			out.User = url.User(user)
		}
		if out.Path == "" {
			out.Path = "/"
		}
		fixParams(params)
		nq := url.Values{}
		for k, v := range params {
			nq.Set(k, v)
		}
		out.RawQuery = nq.Encode()
		dsn = out.String()
	}
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return "", errors.New(pgParseError(err))
	}
	return dsn, nil
}

// fixParams turns PgJDBC's ssl=true into sslmode=require and adds the
// default connect_timeout when none is set.
func fixParams(params map[string]string) {
	if v, ok := params["ssl"]; ok {
		delete(params, "ssl")
		if _, has := params["sslmode"]; !has && (strings.EqualFold(v, "true") || v == "1") {
			params["sslmode"] = "require"
		}
	}
	if _, ok := params["connect_timeout"]; !ok {
		params["connect_timeout"] = strconv.Itoa(DefaultPostgresConnectTimeout)
	}
}

// parseKeyValueDSN splits libpq's "key=value key='quoted value'" form.
func parseKeyValueDSN(s string) ([][2]string, error) {
	var out [][2]string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("connection string: '%s' has no '=' (want key=value pairs)", strings.Fields(s[i:])[0])
		}
		key := strings.TrimSpace(s[i : i+eq])
		if key == "" || strings.ContainsAny(key, " \t") {
			return nil, errors.New("connection string: a key is missing before '='")
		}
		i += eq + 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '\'' {
					i++
					closed = true
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("connection string: the value of '%s' has no closing quote", key)
			}
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		if key == "dbname" {
			key = "database"
		}
		out = append(out, [2]string{key, val.String()})
	}
}

// formatKeyValueDSN writes params in libpq's key='value' form, sorted.
func formatKeyValueDSN(params map[string]string) string {
	fixParams(params)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		name := k
		if k == "database" {
			name = "dbname"
		}
		v := strings.ReplaceAll(strings.ReplaceAll(params[k], `\`, `\\`), `'`, `\'`)
		fmt.Fprintf(&b, "%s='%s'", name, v)
	}
	return b.String()
}

var (
	urlPasswordRE = regexp.MustCompile(`(://[^:/@\s]*:)[^@\s]*@`)
	kvPasswordRE  = regexp.MustCompile(`(?i)((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)`)
)

// RedactURI hides the passwords of a connection string or URL (user
// information, password= parameters) for messages and listings.
func RedactURI(s string) string {
	s = urlPasswordRE.ReplaceAllString(s, "${1}****@")
	return kvPasswordRE.ReplaceAllString(s, "${1}****")
}

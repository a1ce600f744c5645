// Package pgtest gives the integration tests of the Postgres-backed Iceberg
// catalog a PostgreSQL database: the server CHATSQL_POSTGRES_URL points at
// (.ci/postgres.sh starts one and .ci/test.sh exports its URL), and a fresh
// database on it for each test, dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable with the server's URL, e.g.
// postgres://chatsql:chatsql@127.0.0.1:54329/chatsql (the role needs CREATEDB).
const EnvURL = "CHATSQL_POSTGRES_URL"

// SkipMessage is what a test says when no server is configured.
const SkipMessage = "SKIPPED: PostgreSQL not configured: set " + EnvURL + " (bash .ci/postgres.sh start; export " + EnvURL + "=$(bash .ci/postgres.sh url))"

// URL returns the server's URL, or skips the test loudly; under CI=true a
// skipped integration test fails the run (.ci/test.sh).
func URL(t testing.TB) string {
	t.Helper()
	u := strings.TrimSpace(os.Getenv(EnvURL))
	if u == "" {
		t.Skip(SkipMessage)
	}
	return u
}

// Database creates a database of its own for the test on the server of
// CHATSQL_POSTGRES_URL and returns its URL; it is dropped when the test
// ends. Without the server the test is skipped loudly.
func Database(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connecting to %s: %v", EnvURL, err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	name := "chatsql_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("pgtest: dropping %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Parts splits a postgres:// URL into host:port, database, user, password
// (for tests that write the other forms: JDBC, key=value).
func Parts(t testing.TB, dbURL string) (hostPort, database, user, password string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	password, _ = u.User.Password()
	return u.Host, strings.TrimPrefix(u.Path, "/"), u.User.Username(), password
}

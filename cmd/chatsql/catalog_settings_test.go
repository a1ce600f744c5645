package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/iceberg/pgtest"
	"github.com/chatsql/chatsql/runtime/adhoc/adhoctest"
)

// TestSetFlag: --set KEY=VALUE (and Flink's -D KEY=VALUE, -DKEY=VALUE)
// give any setting, catalog.<name>.<option> included; bad ones are usage
// errors that say what is wrong, without the password.
func TestSetFlag(t *testing.T) {
	o, err := parseArgs([]string{"run", "--set", "translation.modelName=m2", "-Dcatalog.lake.s3.region=eu-west-1",
		"-D", "CATALOG.Lake.warehouse=/wh", "--set=execution.checkpointing.interval=2s", "job.sql"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	got := o.settings()
	for k, v := range map[string]string{
		"translation.modelName": "m2", "catalog.lake.s3.region": "eu-west-1", "catalog.lake.warehouse": "/wh",
		"execution.checkpointing.interval": "2s", "kafka.brokers": "localhost:19092",
	} {
		if got[k] != v {
			t.Fatalf("settings[%s] = %q, want %q (%v)", k, got[k], v, got)
		}
	}
	if len(o.args) != 1 || o.args[0] != "job.sql" {
		t.Fatalf("args %v", o.args)
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--set", "novalue"}, "--set wants KEY=VALUE"},
		{[]string{"--set", "kafka.broker=x"}, "did you mean 'kafka.brokers'?"},
		{[]string{"--set", "catalog.lake.warehous=/x"}, "unknown catalog option 'warehous' (did you mean 'warehouse'?)"},
		{[]string{"--set", "catalog.pg.uri=postgres://ice:s3cret@h/db"}, "catalog 'pg' is not complete: option 'warehouse' is missing"},
		{[]string{"--set", "catalog.pg.catalog-type=nessie"}, "'nessie' is not supported"},
		{[]string{"--kafka-brokers", "a:1", "--set", "kafka.brokers=b:1"}, "--kafka-brokers and --set kafka.brokers=b:1 both given"},
	}
	for _, b := range bad {
		_, err := parseArgs(b.args, func(string) string { return "" })
		if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), b.want) {
			t.Fatalf("%v: %v, want a usage error with %q", b.args, err, b.want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("%v: the error shows the password: %v", b.args, err)
		}
	}
}

// TestQuerySetCatalog: `chatsql query` reads the catalogs --set defines:
// 'lake' pointed at another SQLite catalog; a bad catalog setting exits 2.
func TestQuerySetCatalog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	if _, err := adhoctest.MessagesTable(ctx, other, []adhoctest.Message{{ID: 1, Username: "alice", Language: "es", Text: "hi", TS: t0}}); err != nil {
		t.Fatal(err)
	}

	q := "SELECT username FROM chat.messages"
	code, stdout, stderr := runCLI(t, dir, "query", "--data-dir", filepath.Join(dir, "data"), "--format", "csv",
		"--set", "catalog.lake.uri=sqlite://"+filepath.Join(other, "catalog.db"), "-Dcatalog.lake.warehouse="+filepath.Join(other, "warehouse"), q)
	if code != 0 || stdout != "username\nalice\n" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// without the settings the (empty) embedded catalog is read
	code, _, stderr = runCLI(t, dir, "query", "--data-dir", filepath.Join(dir, "data"), q)
	if code != 2 || !strings.Contains(stderr, "unknown Iceberg table") {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, dir, "query", "--set", "catalog.lake.uri=postgres://ice:s3cret@127.0.0.1:1/db", q)
	if code != 2 || !strings.Contains(stderr, "option 'warehouse' is missing") || strings.Contains(stderr, "s3cret") {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
}

// TestIntegrationPostgresCatalogCommandLine: `chatsql run` with 'lake'
// pointed at PostgreSQL by --set writes a table there (SHOW CATALOGS says
// so, without the password); `chatsql query` with the same settings reads
// it; a server that refuses is a clear runtime error.
func TestIntegrationPostgresCatalogCommandLine(t *testing.T) {
	dbURL := pgtest.Database(t)
	host, db, user, password := pgtest.Parts(t, dbURL)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, fmt.Sprintf(`{"id":%d,"username":"user%d","text":"t","preferredLanguage":"%s","timestamp":%d}`, i, i%4, []string{"es", "fr"}[i%2], 1704067200+i))
	}
	writeFile(t, in, strings.Join(lines, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "job.sql"), fmt.Sprintf(`
CREATE SOURCE msgs (id BIGINT, username VARCHAR, text VARCHAR, preferredLanguage VARCHAR, `+"`timestamp`"+` BIGINT)
  WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
SHOW CATALOGS;
INSERT INTO lake.chat.messages SELECT id, username, preferredLanguage AS language FROM msgs;
`, in))
	wh := filepath.Join(dir, "warehouse")
	sets := []string{
		"--set", "catalog.lake.uri=jdbc:postgresql://" + host + "/" + db,
		"--set", "catalog.lake.jdbc.user=" + user, "-Dcatalog.lake.jdbc.password=" + password,
		"--set", "catalog.lake.warehouse=" + wh,
	}
	code, stdout, stderr := runCLI(t, dir, append(append([]string{"run", "--data-dir", filepath.Join(dir, "data")}, sets...), "job.sql")...)
	if code != 0 {
		t.Fatalf("run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "settings (replacing embedded)") || !strings.Contains(stdout, user+":****@"+host) ||
		strings.Contains(stdout+stderr, ":"+password+"@") {
		t.Fatalf("SHOW CATALOGS:\n%s", stdout)
	}

	code, stdout, stderr = runCLI(t, dir, append(append([]string{"query", "--data-dir", filepath.Join(dir, "other-data"), "--format", "csv"}, sets...),
		"SELECT language, count(*) AS n FROM lake.chat.messages GROUP BY language ORDER BY language")...)
	if code != 0 || stdout != "language,n\nes,20\nfr,20\n" {
		t.Fatalf("query: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// the server refuses: exit 1, which server, what to check
	code, _, stderr = runCLI(t, dir, "query", "--set", "catalog.lake.uri=postgres://"+user+":wrong-s3cret@"+host+"/"+db,
		"--set", "catalog.lake.warehouse="+wh, "SELECT count(*) FROM lake.chat.messages")
	if code != 1 || !strings.Contains(stderr, "password authentication failed") || !strings.Contains(stderr, "PostgreSQL at "+host) ||
		strings.Contains(stderr, "wrong-s3cret") {
		t.Fatalf("wrong password: exit %d\nstderr:\n%s", code, stderr)
	}
}

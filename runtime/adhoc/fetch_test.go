package adhoc_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	iceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/chatsql/chatsql/runtime/adhoc"
	"github.com/chatsql/chatsql/runtime/adhoc/adhoctest"
)

// objectStoreCatalogs is one SQL catalog whose warehouse is in an object
// store (iceberg-go's in-memory mem:// store: no file of the tables is on
// the local disk), plus a data directory, as connectors/iceberg.Catalogs
// has.
type objectStoreCatalogs struct {
	cat     catalog.Catalog
	dataDir string
}

func (c *objectStoreCatalogs) Names() []string { return []string{"lake"} }
func (c *objectStoreCatalogs) Get(context.Context, string) (catalog.Catalog, error) {
	return c.cat, nil
}
func (c *objectStoreCatalogs) DataDir() string { return c.dataDir }

func newObjectStoreCatalogs(t *testing.T) *objectStoreCatalogs {
	t.Helper()
	dir := t.TempDir()
	bucket := fmt.Sprintf("adhoc-%d", time.Now().UnixNano())
	cat, err := catalog.Load(context.Background(), "lake", iceberg.Properties{
		"type": "sql", "uri": "file://" + filepath.Join(dir, "catalog.db"),
		sqlcat.DriverKey: sqliteshim.ShimName, sqlcat.DialectKey: string(sqlcat.SQLite),
		"warehouse": "mem://" + bucket + "/wh",
	})
	if err != nil {
		t.Fatal(err)
	}
	return &objectStoreCatalogs{cat: cat, dataDir: filepath.Join(dir, "data")}
}

func queryCSV(t *testing.T, cats adhoc.Catalogs, q string) string {
	t.Helper()
	r, err := adhoc.Query(context.Background(), cats, q, adhoc.Options{})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	var b strings.Builder
	if _, err := adhoc.Write(&b, r, "csv"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func cached(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	out := map[string]os.FileInfo{}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = info
	}
	return out
}

// TestObjectStoreFilesAreCached: a table whose files are in an object
// store reads in DuckDB from copies fetched into <data dir>/cache/adhoc
// (data and positional delete files, time travel too); a second query
// reuses the copies without fetching again; a copy of the wrong size is
// fetched again; copies unused for long, and leftovers of dead fetches, are
// removed.
func TestObjectStoreFilesAreCached(t *testing.T) {
	ctx := context.Background()
	cats := newObjectStoreCatalogs(t)
	tbl, err := adhoctest.CreateTable(ctx, cats.cat, "chat", "messages",
		iceberg.Properties{table.WriteDeleteModeKey: table.WriteModeMergeOnRead, "format-version": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tbl.Location(), "mem://") {
		t.Fatalf("table location %s", tbl.Location())
	}
	if tbl, err = adhoctest.Append(ctx, tbl, msgs(1, 3)); err != nil {
		t.Fatal(err)
	}
	if tbl, err = adhoctest.Append(ctx, tbl, msgs(4, 6)); err != nil {
		t.Fatal(err)
	}
	before := tbl.CurrentSnapshot().SnapshotID
	if tbl, err = tbl.Delete(ctx, iceberg.EqualTo(iceberg.Reference("id"), int64(2)), nil); err != nil {
		t.Fatal(err)
	}

	got := queryCSV(t, cats, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) AS ids FROM lake.chat.messages")
	if got != "ids\n\"1,3,4,5,6\"\n" {
		t.Fatalf("after the delete: %q", got)
	}
	dir := adhoc.CacheDir(cats.dataDir)
	first := cached(t, dir)
	if len(first) != 3 { // two data files, one positional delete file
		t.Fatalf("cache after the first query: %v, want 3 files", first)
	}

	// reused: the same files, not fetched again (renamed into place anew)
	old := time.Now().Add(-time.Hour)
	for name := range first {
		os.Chtimes(filepath.Join(dir, name), old, old)
	}
	if got := queryCSV(t, cats, "SELECT count(*) AS n FROM lake.chat.messages"); got != "n\n5\n" {
		t.Fatalf("second query: %q", got)
	}
	second := cached(t, dir)
	for name, info := range first {
		again, ok := second[name]
		if !ok || !os.SameFile(info, again) {
			t.Fatalf("cached copy %s was fetched again", name)
		}
		if !again.ModTime().After(old) {
			t.Fatalf("cached copy %s not marked used", name)
		}
	}

	// a copy of the wrong size (a torn file from elsewhere) is fetched again
	var victim string
	for name := range first {
		victim = filepath.Join(dir, name)
		break
	}
	if err := os.WriteFile(victim, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	// (the victim may be the delete file, which only the current snapshot
	// reads: read both)
	if got := queryCSV(t, cats, "SELECT count(*) AS n FROM lake.chat.messages"); got != "n\n5\n" {
		t.Fatalf("after the damage: %q", got)
	}
	if got := queryCSV(t, cats, fmt.Sprintf("SELECT count(*) AS n FROM lake.chat.messages FOR VERSION AS OF %d", before)); got != "n\n6\n" {
		t.Fatalf("time travel: %q", got)
	}
	if info, err := os.Stat(victim); err != nil || info.Size() == int64(len("not parquet")) {
		t.Fatalf("the damaged copy was not fetched again: %v %v", info, err)
	}

	// stale copies and dead fetches go; copies in use stay
	stale, dead := filepath.Join(dir, "0123456789abcdef0123456789abcdef.parquet"), filepath.Join(dir, ".fetch-123")
	for _, p := range []string{stale, dead} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		long := time.Now().Add(-30 * 24 * time.Hour)
		os.Chtimes(p, long, long)
	}
	queryCSV(t, cats, "SELECT count(*) FROM lake.chat.messages")
	for _, p := range []string{stale, dead} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not removed: %v", filepath.Base(p), err)
		}
	}
	if n := len(cached(t, dir)); n != 3 {
		t.Errorf("%d files in the cache after pruning, want 3", n)
	}
}

// TestObjectStoreWithoutDataDir: catalogs that name no data directory get
// the copies in a temporary directory, removed when the query closes.
func TestObjectStoreWithoutDataDir(t *testing.T) {
	ctx := context.Background()
	cats := newObjectStoreCatalogs(t)
	tbl, err := adhoctest.CreateTable(ctx, cats.cat, "chat", "messages", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = adhoctest.Append(ctx, tbl, msgs(1, 4)); err != nil {
		t.Fatal(err)
	}
	plain := struct{ adhoc.Catalogs }{cats} // hides DataDir
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r, err := adhoc.Query(ctx, plain, "SELECT count(*) FROM lake.chat.messages", adhoc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "chatsql-adhoc-*"))
	if len(dirs) != 1 {
		t.Fatalf("temporary cache dirs %v", dirs)
	}
	if !r.Next() || fmt.Sprint(r.Values()[0]) != "4" {
		t.Fatalf("count: %v %v", r.Values(), r.Err())
	}
	r.Close()
	if _, err := os.Stat(dirs[0]); !os.IsNotExist(err) {
		t.Fatalf("temporary cache %s not removed: %v", dirs[0], err)
	}
	if _, err := os.Stat(adhoc.CacheDir(cats.dataDir)); !os.IsNotExist(err) {
		t.Fatalf("the data dir's cache was used")
	}
}

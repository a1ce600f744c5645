package iceberg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
)

func TestCatalogsEmbedded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := NewCatalogs(dir)
	defer c.Close()
	if got := c.Names(); !reflect.DeepEqual(got, []string{DefaultCatalog}) {
		t.Fatalf("Names = %v", got)
	}
	cat, err := c.Get(ctx, DefaultCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.db")); err != nil {
		t.Fatalf("catalog.db: %v", err)
	}
	if err := cat.CreateNamespace(ctx, []string{"chat"}, nil); err != nil {
		t.Fatal(err)
	}
	sc := iceberggo.NewSchema(0, iceberggo.NestedField{ID: 1, Name: "id", Type: iceberggo.PrimitiveTypes.Int64, Required: false})
	if _, err := cat.CreateTable(ctx, []string{"chat", "messages"}, sc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"chat.messages", "lake.chat.messages", "LAKE.chat.messages"} {
		tb, err := c.LoadTable(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if loc := tb.Location(); filepath.Dir(filepath.Dir(loc)) != "file://"+filepath.Join(dir, "warehouse") && filepath.Dir(loc) != "file://"+filepath.Join(dir, "warehouse") {
			t.Logf("location %s", loc)
		}
	}
	if _, err := c.LoadTable(ctx, "chat.nope"); !errors.Is(err, catalog.ErrNoSuchTable) {
		t.Fatalf("missing table: %v", err)
	}
	if _, err := c.Get(ctx, "nope"); !errors.Is(err, ErrNoSuchCatalog) {
		t.Fatalf("missing catalog: %v", err)
	}
	// A second session on the same data dir sees the table.
	c2 := NewCatalogs(dir)
	defer c2.Close()
	if _, err := c2.LoadTable(ctx, "lake.chat.messages"); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogsRegister(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := NewCatalogs(filepath.Join(dir, "a"))
	defer c.Close()
	err := c.Register("other", map[string]string{
		"type": "iceberg", "catalog-type": "sql",
		"uri": "sqlite:///" + filepath.Join(dir, "other.db"), "warehouse": filepath.Join(dir, "wh"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Register("rest1", map[string]string{"type": "iceberg", "catalog-type": "rest", "uri": "http://localhost:1/"}); err != nil {
		t.Fatal(err)
	}
	if got := c.Names(); !reflect.DeepEqual(got, []string{"lake", "other", "rest1"}) {
		t.Fatalf("Names = %v", got)
	}
	if err := c.Register("other", map[string]string{"type": "iceberg", "catalog-type": "rest", "uri": "http://x"}); err == nil {
		t.Fatal("duplicate accepted")
	}
	if err := c.Register("lake", map[string]string{"type": "iceberg", "catalog-type": "rest", "uri": "http://x"}); err == nil {
		t.Fatal("lake redefined")
	}
	if err := c.Register("x", map[string]string{"type": "paimon"}); err == nil {
		t.Fatal("type paimon accepted")
	}
	if err := c.Register("x", map[string]string{"type": "iceberg", "catalog-type": "nessie"}); err == nil {
		t.Fatal("catalog-type nessie accepted")
	}
	p := c.Properties("other")
	if p["type"] != "sql" || p["sql.dialect"] != "sqlite" || p["warehouse"] != "file://"+filepath.Join(dir, "wh") {
		t.Fatalf("props %v", p)
	}
	cat, err := c.Get(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateNamespace(ctx, []string{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	sc := iceberggo.NewSchema(0, iceberggo.NestedField{ID: 1, Name: "id", Type: iceberggo.PrimitiveTypes.Int64})
	if _, err := cat.CreateTable(ctx, []string{"db", "t"}, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoadTable(ctx, "other.db.t"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoadTable(ctx, "db.t"); err == nil {
		t.Fatal("db.t found in the default catalog")
	}
	cn, id, err := c.Resolve("other.db.t")
	if err != nil || cn != "other" || !reflect.DeepEqual([]string(id), []string{"db", "t"}) {
		t.Fatalf("Resolve: %v %v %v", cn, id, err)
	}
}

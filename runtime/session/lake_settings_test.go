package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	iceberggo "github.com/apache/iceberg-go"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/diag"
)

// TestLakeSetInScript: statements after SET 'catalog.lake.*' in the same
// script are planned against the new definition: INSERT INTO lake.chat.t
// casts by position into the columns of the table in the catalog 'lake'
// now points at (another SQLite catalog), and the embedded catalog is not
// touched. RESET in a script brings the embedded one back for what follows.
func TestLakeSetInScript(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	oc := iceberg.NewCatalogs(other)
	cat, err := oc.Get(ctx, "lake")
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateNamespace(ctx, []string{"chat"}, nil); err != nil {
		t.Fatal(err)
	}
	sc := iceberggo.NewSchema(0,
		iceberggo.NestedField{ID: 1, Name: "id", Type: iceberggo.PrimitiveTypes.Int64},
		iceberggo.NestedField{ID: 2, Name: "name", Type: iceberggo.PrimitiveTypes.String})
	if _, err := cat.CreateTable(ctx, []string{"chat", "t"}, sc); err != nil {
		t.Fatal(err)
	}
	oc.Close()

	path := writeChat(t, dir, "chat.json", 0, 30)
	dataDir := filepath.Join(dir, "data")
	s, err := New(Config{DataDir: dataDir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, err := s.ExecScript(ctx, "set.sql", fmt.Sprintf(`
SET 'catalog.lake.uri' = 'sqlite://%s';
SET 'catalog.lake.warehouse' = '%s';
CREATE SOURCE chat (%s) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
INSERT INTO lake.chat.t SELECT id, username FROM chat;
RESET 'catalog.lake';
SHOW CATALOGS;
`, filepath.Join(other, "catalog.db"), filepath.Join(other, "warehouse"), chatSourceCols, path))
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	waitJobs(t, s)
	if row := rs[len(rs)-1].Rows[0]; row[0] != "lake" || row[4] != "embedded" || !strings.Contains(row[3], dataDir) {
		t.Fatalf("SHOW CATALOGS after RESET: %v", row)
	}
	oc = iceberg.NewCatalogs(other)
	defer oc.Close()
	tbl, err := oc.LoadTable(ctx, "lake.chat.t")
	if err != nil {
		t.Fatal(err)
	}
	_, rows := lakeRows(t, tbl)
	if len(rows) != 30 {
		t.Fatalf("%d rows, want 30", len(rows))
	}
	for _, r := range rows {
		if r["name"] == nil || !strings.HasPrefix(r["name"].(string), "user") {
			t.Fatalf("row %v: the INSERT was not planned against the table of the new 'lake'", r)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "catalog.db")); err == nil {
		t.Fatal("the embedded catalog was opened")
	}
}

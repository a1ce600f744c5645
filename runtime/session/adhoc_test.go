package session

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/adhoc/adhoctest"
)

func TestExecRoutesIcebergSelectToDuckDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := adhoctest.MessagesTable(ctx, dir, []adhoctest.Message{
		{ID: 1, Username: "alice", Language: "es", Text: "hola", TS: ts},
		{ID: 2, Username: "bob", Language: "en", Text: "hi", TS: ts},
		{ID: 3, Username: "carol", Language: "es", Text: "qué tal", TS: ts},
	}); err != nil {
		t.Fatal(err)
	}

	s, err := New(Config{DataDir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Exec(ctx, "<repl>", "SELECT language, count(*) AS n\nFROM lake.chat.messages GROUP BY language ORDER BY n DESC;\n")
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if r.Kind != ResultTable || !reflect.DeepEqual(r.Columns, []string{"language", "n"}) ||
		!reflect.DeepEqual(r.Rows, [][]string{{"es", "2"}, {"en", "1"}}) {
		t.Fatalf("got %+v", r)
	}
	_, err = s.Exec(ctx, "<repl>", "SELECT * FROM lake.chat.mesages;")
	if !diag.IsSQLError(err) || !strings.Contains(diag.FormatError(err), "<repl>:1:20: unknown Iceberg table 'lake.chat.mesages'") {
		t.Fatalf("unknown table: %v", err)
	}
	// other statements are the streaming engine's, as before
	r, err = s.Exec(ctx, "<repl>", "SHOW SOURCES;")
	if err != nil || r.Kind != ResultTable {
		t.Fatalf("SHOW SOURCES: %+v %v", r, err)
	}
	if _, err = s.Exec(ctx, "<repl>", "SELECT * FROM nowhere;"); err == nil || strings.Contains(err.Error(), "Iceberg") {
		t.Fatalf("a stream SELECT: %v", err)
	}
}

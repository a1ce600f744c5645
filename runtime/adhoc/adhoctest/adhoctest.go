// Package adhoctest writes chat-like Iceberg tables with iceberg-go for the
// tests and benchmarks of ad-hoc queries (runtime/adhoc, `chatsql query`,
// the REPL's routing).
package adhoctest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	iceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Message is one row of a messages table.
type Message struct {
	ID       int64
	Username string
	Language string
	Text     string
	TS       time.Time
	Room     *string // only written when the table has the column "room"
}

// Schema is the messages table's schema: id, username, language, text, ts.
func Schema() *iceberg.Schema {
	return iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.NestedField{ID: 2, Name: "username", Type: iceberg.PrimitiveTypes.String},
		iceberg.NestedField{ID: 3, Name: "language", Type: iceberg.PrimitiveTypes.String},
		iceberg.NestedField{ID: 4, Name: "text", Type: iceberg.PrimitiveTypes.String},
		iceberg.NestedField{ID: 5, Name: "ts", Type: iceberg.PrimitiveTypes.TimestampTz},
	)
}

// CreateTable creates namespace.name (and the namespace) with Schema.
func CreateTable(ctx context.Context, cat catalog.Catalog, namespace, name string, props iceberg.Properties) (*table.Table, error) {
	if ok, err := cat.CheckNamespaceExists(ctx, table.Identifier{namespace}); err != nil {
		return nil, err
	} else if !ok {
		if err := cat.CreateNamespace(ctx, table.Identifier{namespace}, nil); err != nil {
			return nil, err
		}
	}
	var opts []catalog.CreateTableOpt
	if props != nil {
		opts = append(opts, catalog.WithProperties(props))
	}
	return cat.CreateTable(ctx, table.Identifier{namespace, name}, Schema(), opts...)
}

// Record builds an arrow record of msgs with the columns of schema (id,
// username, language, text, ts, room).
func Record(schema *iceberg.Schema, msgs []Message) (arrow.RecordBatch, error) {
	mem := memory.DefaultAllocator
	var fields []arrow.Field
	var cols []arrow.Array
	for _, f := range schema.Fields() {
		switch f.Name {
		case "id":
			b := array.NewInt64Builder(mem)
			for _, m := range msgs {
				b.Append(m.ID)
			}
			fields = append(fields, arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int64, Nullable: true})
			cols = append(cols, b.NewArray())
		case "username", "language", "text", "room":
			b := array.NewStringBuilder(mem)
			for _, m := range msgs {
				switch f.Name {
				case "username":
					b.Append(m.Username)
				case "language":
					b.Append(m.Language)
				case "text":
					b.Append(m.Text)
				case "room":
					if m.Room == nil {
						b.AppendNull()
					} else {
						b.Append(*m.Room)
					}
				}
			}
			fields = append(fields, arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Nullable: true})
			cols = append(cols, b.NewArray())
		case "ts":
			typ := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
			b := array.NewTimestampBuilder(mem, typ)
			for _, m := range msgs {
				b.Append(arrow.Timestamp(m.TS.UnixMicro()))
			}
			fields = append(fields, arrow.Field{Name: f.Name, Type: typ, Nullable: true})
			cols = append(cols, b.NewArray())
		default:
			return nil, fmt.Errorf("adhoctest: no data for column %s", f.Name)
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(msgs))), nil
}

// Append commits msgs as one snapshot.
func Append(ctx context.Context, tbl *table.Table, msgs []Message) (*table.Table, error) {
	rec, err := Record(tbl.Schema(), msgs)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	at := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
	defer at.Release()
	return tbl.AppendTable(ctx, at, int64(len(msgs))+1, nil)
}

// MessagesTable creates lake.chat.messages in the embedded catalog of dir
// (as NewCatalogs opens it) and commits each batch as one snapshot; it
// returns the snapshots' ids.
func MessagesTable(ctx context.Context, dir string, batches ...[]Message) ([]int64, error) {
	cats, err := NewCatalogs(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer cats.Close()
	cat, err := cats.Get(ctx, "lake")
	if err != nil {
		return nil, err
	}
	tbl, err := CreateTable(ctx, cat, "chat", "messages", nil)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, msgs := range batches {
		if tbl, err = Append(ctx, tbl, msgs); err != nil {
			return nil, err
		}
		ids = append(ids, tbl.CurrentSnapshot().SnapshotID)
	}
	return ids, nil
}

// Str is a pointer to s (for Message.Room).
func Str(s string) *string { return &s }

// Catalogs is a stand-in for connectors/iceberg.Catalogs in tests: the
// embedded catalog "lake" (SQLite DIR/catalog.db, warehouse DIR/warehouse)
// and any other SQL catalogs added with Add.
type Catalogs struct {
	cats  map[string]catalog.Catalog
	names []string
}

// NewCatalogs opens the embedded catalog "lake" in dir.
func NewCatalogs(ctx context.Context, dir string) (*Catalogs, error) {
	c := &Catalogs{cats: map[string]catalog.Catalog{}}
	return c, c.Add(ctx, "lake", dir)
}

// Add opens a SQL catalog on SQLite in dir under name.
func (c *Catalogs) Add(ctx context.Context, name, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "warehouse"), 0o755); err != nil {
		return err
	}
	cat, err := catalog.Load(ctx, name, iceberg.Properties{
		"type":            "sql",
		"uri":             "file://" + filepath.Join(dir, "catalog.db") + "?_pragma=busy_timeout(10000)",
		sqlcat.DriverKey:  sqliteshim.ShimName,
		sqlcat.DialectKey: string(sqlcat.SQLite),
		"warehouse":       "file://" + filepath.Join(dir, "warehouse"),
	})
	if err != nil {
		return err
	}
	c.cats[name] = cat
	c.names = append(c.names, name)
	sort.Strings(c.names)
	return nil
}

// Names lists the catalogs.
func (c *Catalogs) Names() []string { return append([]string(nil), c.names...) }

// Get returns a catalog.
func (c *Catalogs) Get(_ context.Context, name string) (catalog.Catalog, error) {
	if cat, ok := c.cats[strings.ToLower(name)]; ok {
		return cat, nil
	}
	return nil, fmt.Errorf("no such catalog '%s'", name)
}

// Close closes the catalogs.
func (c *Catalogs) Close() error {
	for _, cat := range c.cats {
		if cl, ok := cat.(interface{ Close() error }); ok {
			cl.Close()
		}
	}
	return nil
}

// Package planner turns parsed statements into plans: it keeps the catalog
// of sources, tables, sinks and views, binds queries (names, types,
// functions) into a logical plan, rewrites it with small rules, and lowers
// it to the physical graph the runtime executes. It never imports operator
// or connector implementations.
package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/types"
)

// ObjectKind is the kind of a catalog object.
type ObjectKind int

const (
	KindSource ObjectKind = iota + 1
	KindTable
	KindSink
	KindView
)

func (k ObjectKind) String() string {
	return map[ObjectKind]string{KindSource: "source", KindTable: "table", KindSink: "sink", KindView: "view"}[k]
}

// ColumnKind says where a relation's column comes from.
type ColumnKind int

const (
	Physical ColumnKind = iota
	Computed
	Metadata
)

// RelColumn is a column of a source or table.
type RelColumn struct {
	Name     string
	Type     types.Type
	Kind     ColumnKind
	Expr     *parser.Expr // computed columns
	MetaKey  string       // metadata columns
	Virtual  bool         // metadata column not written by sinks
	Comment  string
	Position int // byte offset of the definition
}

// Relation is a CREATE SOURCE or CREATE TABLE: a readable (and, for tables,
// writable) stream backed by a connector.
type Relation struct {
	Name       string
	Kind       ObjectKind // KindSource or KindTable
	Columns    []RelColumn
	Watermark  *parser.WatermarkDef
	TimeAttr   int // index of the watermark column in Columns, -1 if none
	PrimaryKey []string
	Connector  string
	Options    map[string]string // as written (lower-case keys)
	DDL        string
	Stmt       *parser.CreateRelationStmt
	Src        *diag.Source // the text the relation was declared in
}

// Schema is the relation's declared row: every column in declared order.
func (r *Relation) Schema() types.Schema {
	s := types.Schema{TimeAttr: r.TimeAttr}
	for _, c := range r.Columns {
		s.Columns = append(s.Columns, types.Column{Name: c.Name, Type: c.Type})
	}
	return s
}

// PhysicalSchema is what the connector's format reads or writes.
func (r *Relation) PhysicalSchema() types.Schema {
	s := types.NewSchema()
	for _, c := range r.Columns {
		if c.Kind == Physical {
			s.Columns = append(s.Columns, types.Column{Name: c.Name, Type: c.Type})
		}
	}
	return s
}

// MetadataColumns lists the metadata columns in declared order.
func (r *Relation) MetadataColumns() []connectors.MetadataColumn {
	var out []connectors.MetadataColumn
	for _, c := range r.Columns {
		if c.Kind == Metadata {
			out = append(out, connectors.MetadataColumn{Name: c.Name, Key: c.MetaKey, Type: c.Type})
		}
	}
	return out
}

// SinkDef is a CREATE SINK: a connector plus the query that feeds it.
type SinkDef struct {
	Name      string
	Connector string
	Options   map[string]string
	Schema    types.Schema
	DDL       string
	Stmt      *parser.CreateSinkStmt
}

// View is a named query, expanded where it is used.
type View struct {
	Name    string
	Query   *parser.Query
	Columns []string // explicit column names, if given
	Schema  types.Schema
	DDL     string
}

// Catalog holds a session's objects. Names are case-insensitive and share
// one namespace, as in Flink's catalog.
type Catalog struct {
	objects map[string]any // *Relation, *SinkDef, *View
	// failed holds names whose definition failed in the script being
	// planned, so that their uses are reported as consequences
	failed map[string]bool
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{objects: map[string]any{}, failed: map[string]bool{}} }

// MarkFailed records that the definition of name failed.
func (c *Catalog) MarkFailed(name string) { c.failed[key(name)] = true }

// Failed reports whether the definition of name failed.
func (c *Catalog) Failed(name string) bool { return c.failed[key(name)] }

func key(name string) string { return strings.ToLower(name) }

// Lookup finds an object by name.
func (c *Catalog) Lookup(name string) (any, bool) {
	o, ok := c.objects[key(name)]
	return o, ok
}

// Put adds or replaces an object.
func (c *Catalog) Put(name string, o any) { c.objects[key(name)] = o }

// Drop removes an object; it reports whether it existed.
func (c *Catalog) Drop(name string) bool {
	_, ok := c.objects[key(name)]
	delete(c.objects, key(name))
	return ok
}

// KindOf returns the kind of an object.
func KindOf(o any) ObjectKind {
	switch x := o.(type) {
	case *Relation:
		return x.Kind
	case *SinkDef:
		return KindSink
	case *View:
		return KindView
	}
	return 0
}

// NameOf returns the object's name as declared.
func NameOf(o any) string {
	switch x := o.(type) {
	case *Relation:
		return x.Name
	case *SinkDef:
		return x.Name
	case *View:
		return x.Name
	}
	return ""
}

// Names lists the names of objects of the given kinds (all when none),
// sorted.
func (c *Catalog) Names(kinds ...ObjectKind) []string {
	var out []string
	for _, o := range c.objects {
		k := KindOf(o)
		if len(kinds) == 0 || containsKind(kinds, k) {
			out = append(out, NameOf(o))
		}
	}
	sort.Strings(out)
	return out
}

func containsKind(ks []ObjectKind, k ObjectKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Clone copies the catalog (objects are immutable once created, so a
// shallow copy suffices): a script is planned against a clone and only
// committed when every statement planned.
func (c *Catalog) Clone() *Catalog {
	out := NewCatalog()
	for k, v := range c.objects {
		out.objects[k] = v
	}
	return out
}

// Describe renders an object's columns for DESCRIBE.
func Describe(o any) (cols []string, rows [][]string) {
	cols = []string{"name", "type", "null", "key", "extras", "watermark"}
	switch x := o.(type) {
	case *Relation:
		for i, c := range x.Columns {
			extras := ""
			switch c.Kind {
			case Computed:
				extras = "AS " + c.Expr.Text()
			case Metadata:
				extras = "METADATA FROM '" + c.MetaKey + "'"
				if c.Virtual {
					extras += " VIRTUAL"
				}
			}
			wm := ""
			if i == x.TimeAttr && x.Watermark != nil {
				wm = x.Watermark.Expr.Text()
			}
			k := ""
			for _, pk := range x.PrimaryKey {
				if strings.EqualFold(pk, c.Name) {
					k = "PRI(" + c.Name + ")"
				}
			}
			rows = append(rows, []string{c.Name, c.Type.Nullable().String(), fmt.Sprint(!c.Type.NotNull), k, extras, wm})
		}
	case *SinkDef:
		rows = schemaRows(x.Schema)
	case *View:
		rows = schemaRows(x.Schema)
	}
	return cols, rows
}

func schemaRows(s types.Schema) [][]string {
	var rows [][]string
	for _, c := range s.Columns {
		rows = append(rows, []string{c.Name, c.Type.Nullable().String(), fmt.Sprint(!c.Type.NotNull), "", "", ""})
	}
	return rows
}

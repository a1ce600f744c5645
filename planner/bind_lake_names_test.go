package planner

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/types"
)

// fakeLake is a Lake of catalogs of tables ("ns.table" -> schema, key).
type fakeLake map[string]map[string]fakeLakeTable

type fakeLakeTable struct {
	schema types.Schema
	key    []string
}

var _ interface {
	Lake
	LakeNames
} = fakeLake(nil)

func (l fakeLake) HasCatalog(name string) bool { _, ok := l[strings.ToLower(name)]; return ok }
func (l fakeLake) SinkSettings(string) (map[string]string, error) {
	return map[string]string{}, nil
}
func (l fakeLake) CheckPartitioning(string, types.Schema) error { return nil }
func (l fakeLake) TableSchema(cat string, tbl []string) (types.Schema, []string, bool, error) {
	t, ok := l[cat][strings.Join(tbl, ".")]
	return t.schema, t.key, ok, nil
}
func (l fakeLake) Catalogs() []string {
	var out []string
	for c := range l {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
func (l fakeLake) Tables(cat string) ([]string, error) {
	var out []string
	for t := range l[cat] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// lakePlanner is lookupPlanner with the catalogs lake (chat.t3,
// chat.profiles with a key) and hist (db.t).
func lakePlanner(t *testing.T) *Planner {
	t.Helper()
	p := lookupPlanner(t)
	col := func(name string, k types.Kind) types.Column {
		return types.Column{Name: name, Type: types.Type{Kind: k}}
	}
	p.Lake = fakeLake{
		"lake": {
			"chat.t3":       {schema: types.Schema{Columns: []types.Column{col("user_id", types.KindString), col("n", types.KindBigInt)}, TimeAttr: -1}},
			"chat.profiles": {schema: types.Schema{Columns: []types.Column{col("username", types.KindString), col("role", types.KindString)}, TimeAttr: -1}, key: []string{"username"}},
			"chat.admins":   {schema: types.Schema{Columns: []types.Column{col("username", types.KindString)}, TimeAttr: -1}, key: []string{"username"}},
		},
		"hist": {
			"db.t": {schema: types.Schema{Columns: []types.Column{col("id", types.KindBigInt), col("body", types.KindString)}, TimeAttr: -1}},
		},
	}
	return p
}

// relationsOf lists the relations l reads (scans and lookups), in plan
// order.
func relationsOf(l Logical) []string {
	var out []string
	var walk func(Logical)
	walk = func(l Logical) {
		switch x := l.(type) {
		case *Scan:
			out = append(out, x.Rel.Name+" as "+x.Alias+" ("+x.Rel.Options["catalog"]+"/"+x.Rel.Options["table"]+")")
		case *Lookup:
			out = append(out, x.Rel.Name+" lookup")
		}
		for _, in := range l.Inputs() {
			walk(in)
		}
	}
	walk(l)
	return out
}

// TestBindThreePartNames: catalog.namespace.table names an Iceberg table
// in FROM (aliased or not, backquoted, in a subquery in FROM, in a CTE), in
// a temporal join and in a subquery; namespace.table still means the
// default catalog; t.col and schema.t.col stay column references.
func TestBindThreePartNames(t *testing.T) {
	p := lakePlanner(t)
	cases := []struct {
		sql, rels, cols string
	}{
		{"SELECT user_id, n FROM lake.chat.t3", "lake.chat.t3 as t3 (lake/chat.t3)", "user_id n"},
		{"SELECT t3.user_id, chat.t3.n FROM lake.chat.t3", "lake.chat.t3 as t3 (lake/chat.t3)", "user_id n"},
		{"SELECT x.n AS m FROM lake.chat.t3 AS x WHERE x.n > 1", "lake.chat.t3 as x (lake/chat.t3)", "m"},
		{"SELECT * FROM `lake`.`chat`.`t3`", "lake.chat.t3 as t3 (lake/chat.t3)", "user_id n"},
		{"SELECT * FROM LAKE.chat.t3", "lake.chat.t3 as t3 (lake/chat.t3)", "user_id n"},
		{"SELECT id, body FROM hist.db.t", "hist.db.t as t (hist/db.t)", "id body"},
		{"SELECT n FROM chat.t3", "lake.chat.t3 as t3 (lake/chat.t3)", "n"},
		{"SELECT q.n FROM (SELECT n FROM lake.chat.t3) AS q", "lake.chat.t3 as t3 (lake/chat.t3)", "n"},
		{"WITH w AS (SELECT id FROM hist.db.t) SELECT id FROM w", "hist.db.t as t (hist/db.t)", "id"},
		{"SELECT t.a, p.role FROM t JOIN lake.chat.profiles FOR SYSTEM_TIME AS OF t.ts AS p ON t.s = p.username",
			"lake.chat.profiles lookup,t as t (/)", "a role"},
		{"SELECT a FROM t WHERE EXISTS (SELECT 1 FROM lake.chat.profiles p WHERE p.username = t.s)",
			"t as t (/)", "a"},
		{"SELECT a, (SELECT role FROM lake.chat.profiles WHERE profiles.username = t.s) AS r FROM t",
			"t as t (/)", "a r"},
		{"SELECT t.a, profiles.role FROM t LEFT JOIN lake.chat.profiles FOR SYSTEM_TIME AS OF PROCTIME() ON t.s = profiles.username",
			"lake.chat.profiles lookup,t as t (/)", "a role"},
		{"SELECT a FROM t WHERE s IN (SELECT username FROM chat.profiles WHERE profiles.role = 'admin')",
			"t as t (/)", "a"},
		// docs/sql.md's example
		{"SELECT m.a, p.role FROM t AS m\nJOIN lake.chat.profiles FOR SYSTEM_TIME AS OF m.ts AS p ON m.s = p.username\n" +
			"WHERE EXISTS (SELECT 1 FROM `lake`.`chat`.`admins` WHERE admins.username = m.s)", "lake.chat.profiles lookup,t as m (/)", "a role"},
		{"SELECT t.a, t.s FROM t", "t as t (/)", "a s"},
		// an unaliased subquery's column is named by the user's text, not
		// the parser's placeholder for the catalog and namespace
		{"SELECT a, (SELECT role FROM lake.chat.profiles WHERE profiles.username = t.s) FROM t",
			"t as t (/)", "a (SELECT role FROM lake.chat.profiles WHERE profiles.username = t.s)"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			l, err := bindSelect(t, p, c.sql)
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			if got := strings.Join(relationsOf(l), ","); got != c.rels {
				t.Errorf("relations %q, want %q", got, c.rels)
			}
			var cols []string
			for _, col := range l.Schema().Columns {
				cols = append(cols, col.Name)
			}
			if got := strings.Join(cols, " "); got != c.cols {
				t.Errorf("columns %q, want %q", got, c.cols)
			}
		})
	}
}

// TestBindLakeNameErrors pins the errors of names that name no Iceberg
// table as a user sees them: at the name, with a hint.
func TestBindLakeNameErrors(t *testing.T) {
	p := lakePlanner(t)
	cases := []struct {
		name string
		sql  string
		kind error
		want string // diag.Error.Format()
	}{
		{"misspelled catalog", "SELECT n\nFROM laek.chat.t3", diag.ErrUnknownName, `q.sql:2:6: unknown catalog 'laek'
  2 | FROM laek.chat.t3
    |      ^
hint: did you mean 'lake'?
`},
		{"unknown catalog", "SELECT n FROM nowhere.chat.t3 AS x", diag.ErrUnknownName, `q.sql:1:15: unknown catalog 'nowhere'
  1 | SELECT n FROM nowhere.chat.t3 AS x
    |               ^
hint: SHOW CATALOGS lists them; CREATE CATALOG nowhere WITH ('type' = 'iceberg', ...) adds one
`},
		{"misspelled table", "SELECT n FROM lake.chat.t4", diag.ErrUnknownName, `q.sql:1:15: Iceberg table 'lake.chat.t4' does not exist
  1 | SELECT n FROM lake.chat.t4
    |               ^
hint: did you mean 'lake.chat.t3'?
`},
		{"table in another namespace", "SELECT * FROM hist.chat.t", diag.ErrUnknownName, `q.sql:1:15: Iceberg table 'hist.chat.t' does not exist
  1 | SELECT * FROM hist.chat.t
    |               ^
hint: did you mean 'hist.db.t'?
`},
		{"two parts: no such table", "SELECT * FROM chat.zzzzzz", diag.ErrUnknownName, `q.sql:1:15: Iceberg table 'lake.chat.zzzzzz' does not exist
  1 | SELECT * FROM chat.zzzzzz
    |               ^
hint: SHOW TABLES FROM lake.chat lists the tables
`},
		{"two parts: a catalog and a table", "SELECT * FROM hist.t", diag.ErrUnknownName, `q.sql:1:15: Iceberg table 'lake.hist.t' does not exist
  1 | SELECT * FROM hist.t
    |               ^
hint: 'hist' is a catalog: name the table hist.<namespace>.t (SHOW TABLES FROM hist lists them)
`},
		{"four parts", "SELECT * FROM lake.chat.sub.t3", diag.ErrSemantic, `q.sql:1:15: 'lake.chat.sub.t3' has 4 parts: a table is named catalog.namespace.table
  1 | SELECT * FROM lake.chat.sub.t3
    |               ^
hint: SHOW TABLES FROM lake lists its tables as namespace and table
`},
		{"four parts, no catalog", "SELECT * FROM a.b.c.d", diag.ErrSemantic, `q.sql:1:15: 'a.b.c.d' has 4 parts: a table is named catalog.namespace.table
  1 | SELECT * FROM a.b.c.d
    |               ^
hint: catalog.namespace.table, or namespace.table in the catalog 'lake'; SHOW CATALOGS lists the catalogs
`},
		{"temporal join, unknown table", "SELECT * FROM t\nJOIN lake.chat.profile FOR SYSTEM_TIME AS OF t.ts AS p ON t.s = p.username", diag.ErrUnknownName, `q.sql:2:6: Iceberg table 'lake.chat.profile' does not exist
  2 | JOIN lake.chat.profile FOR SYSTEM_TIME AS OF t.ts AS p ON t.s = p.username
    |      ^
hint: did you mean 'lake.chat.profiles'?
`},
		{"temporal join, unknown catalog", "SELECT * FROM t JOIN lak.chat.profiles FOR SYSTEM_TIME AS OF t.ts AS p ON t.s = p.username", diag.ErrUnknownName, `q.sql:1:22: unknown catalog 'lak'
  1 | SELECT * FROM t JOIN lak.chat.profiles FOR SYSTEM_TIME AS OF t.ts AS p ON t.s = p.username
    |                      ^
hint: did you mean 'lake'?
`},
		{"subquery, unknown table", "SELECT a FROM t WHERE EXISTS (\n  SELECT 1 FROM hist.db.tt WHERE tt.id = t.a)", diag.ErrUnknownName, `q.sql:2:17: Iceberg table 'hist.db.tt' does not exist
  2 |   SELECT 1 FROM hist.db.tt WHERE tt.id = t.a)
    |                 ^
hint: did you mean 'hist.db.t'?
`},
		{"regular join with a lake table", "SELECT * FROM t\nJOIN lake.chat.profiles AS p ON t.s = p.username", diag.ErrUnsupported, `q.sql:2:1: regular joins between streams are not supported; join a table with PRIMARY KEY with FOR SYSTEM_TIME AS OF
  2 | JOIN lake.chat.profiles AS p ON t.s = p.username
    | ^
hint: a temporal join reads a table with a PRIMARY KEY: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k (or AS OF PROCTIME())
`},
		{"comma join with a lake table", "SELECT * FROM lake.chat.t3 AS x, lake.chat.t3 AS y", diag.ErrUnsupported, `q.sql:1:32: CROSS joins (and joins by ',') are not supported
  1 | SELECT * FROM lake.chat.t3 AS x, lake.chat.t3 AS y
    |                                ^
hint: a temporal join reads a table with a PRIMARY KEY: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k (or AS OF PROCTIME())
`},
		{"MATCH_RECOGNIZE over a lake table", "SELECT * FROM lake.chat.t3 MATCH_RECOGNIZE (PARTITION BY user_id ORDER BY n MEASURES A.n AS x PATTERN (A) DEFINE A AS A.n > 1) AS m",
			diag.ErrSemantic, ``}, // its input is bound (not an unknown source): it lacks an event time
		{"unknown column of a lake table", "SELECT x.nn FROM lake.chat.t3 x", diag.ErrUnknownName, ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := bindSelect(t, p, c.sql)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("kind: got %v, want %v", err, c.kind)
			}
			if got := diag.FormatError(err); c.want != "" && got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
	// without a lake, a qualified name says so
	p.Lake = nil
	_, err := bindSelect(t, p, "SELECT * FROM lake.chat.t3")
	if err == nil || !errors.Is(err, diag.ErrUnsupported) || !strings.Contains(err.Error(), "no Iceberg catalogs") {
		t.Fatalf("without a lake: %v", err)
	}
}

package parser

import (
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
)

func TestTemporalCut(t *testing.T) {
	cases := []struct {
		sql       string
		rewritten string            // the query TiDB sees
		tables    map[string]string // placeholder -> "name|as of|alias"
	}{
		{"SELECT * FROM s JOIN users FOR SYSTEM_TIME AS OF s.event_time AS u ON s.uid = u.id",
			"SELECT * FROM s JOIN chatsql_tt_1 AS u ON s.uid = u.id",
			map[string]string{"chatsql_tt_1": "users|s.event_time|u"}},
		{"SELECT * FROM s LEFT JOIN users FOR SYSTEM_TIME AS OF PROCTIME() u ON s.uid = u.id",
			"SELECT * FROM s LEFT JOIN chatsql_tt_1 u ON s.uid = u.id",
			map[string]string{"chatsql_tt_1": "users|PROCTIME()|u"}},
		{"SELECT * FROM s JOIN lake.db.users for system_time as of s.ts ON s.uid = users.id",
			"SELECT * FROM s JOIN chatsql_tt_1 ON s.uid = users.id",
			map[string]string{"chatsql_tt_1": "lake.db.users|s.ts|"}},
		{"SELECT * FROM s\n  JOIN a FOR SYSTEM_TIME AS OF s.ts AS x ON s.k = x.k\n  JOIN `b` FOR SYSTEM_TIME AS OF PROCTIME ( ) y ON s.j = y.j WHERE 1 = 1",
			"SELECT * FROM s\n  JOIN chatsql_tt_1 AS x ON s.k = x.k\n  JOIN chatsql_tt_2 y ON s.j = y.j WHERE 1 = 1",
			map[string]string{"chatsql_tt_1": "a|s.ts|x", "chatsql_tt_2": "b|PROCTIME ( )|y"}},
		{"SELECT * FROM (SELECT * FROM s JOIN t FOR SYSTEM_TIME AS OF s.ts - INTERVAL '1' SECOND ON s.k = t.k) AS q",
			"SELECT * FROM (SELECT * FROM s JOIN chatsql_tt_1 ON s.k = t.k) AS q",
			map[string]string{"chatsql_tt_1": "t|s.ts - INTERVAL '1' SECOND|"}},
		{"SELECT 'FOR SYSTEM_TIME AS OF' FROM s -- FOR VERSION AS OF 1",
			"SELECT 'FOR SYSTEM_TIME AS OF' FROM s " + strings.Repeat(" ", len("-- FOR VERSION AS OF 1")), nil},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			src := diag.NewSource("q.sql", c.sql)
			q, err := parseQuery(src, 0, len(c.sql))
			if err != nil {
				t.Fatal(err.Format())
			}
			if q.Rewritten != c.rewritten {
				t.Errorf("rewritten\n got %q\nwant %q", q.Rewritten, c.rewritten)
			}
			if len(q.Temporal) != len(c.tables) {
				t.Fatalf("got %d temporal tables, want %d", len(q.Temporal), len(c.tables))
			}
			for name, want := range c.tables {
				tt, ok := q.Temporal[name]
				if !ok {
					t.Fatalf("no %s", name)
				}
				if got := tt.Name.String() + "|" + tt.AsOf.Text() + "|" + tt.Alias; got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
				if c.sql[tt.Name.Pos:tt.Name.Pos+1] != strings.Trim(strings.SplitN(want, "|", 2)[0], "`")[:1] &&
					c.sql[tt.Name.Pos] != '`' {
					t.Errorf("%s: name position %d points at %q", name, tt.Name.Pos, c.sql[tt.Name.Pos:])
				}
				if !strings.HasPrefix(strings.ToUpper(c.sql[tt.Pos:]), "FOR SYSTEM_TIME") {
					t.Errorf("%s: Pos %d points at %q", name, tt.Pos, c.sql[tt.Pos:])
				}
			}
		})
	}
}

// temporalMistakes are positioned errors of FOR SYSTEM_TIME AS OF; they
// seed FuzzParseScript too.
var temporalMistakes = []stmtMistake{
	{"FOR VERSION AS OF", "SELECT * FROM s\nJOIN t FOR VERSION AS OF 42 AS r ON s.k = r.k", diag.Unsupported, 2, 8,
		"FOR VERSION AS OF is not supported yet", "Iceberg"},
	{"time travel", "SELECT * FROM s JOIN t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01 00:00:00' AS r ON s.k = r.k", diag.Unsupported, 1, 46,
		"FOR SYSTEM_TIME AS OF a constant time (time travel) is not supported yet", "PROCTIME()"},
	{"time travel with a string", "SELECT * FROM t FOR SYSTEM_TIME AS OF '2024-01-01'", diag.Unsupported, 1, 39,
		"FOR SYSTEM_TIME AS OF a constant time (time travel) is not supported yet", ""},
	{"missing AS OF", "SELECT * FROM s JOIN t FOR SYSTEM_TIME s.ts ON 1 = 1", diag.Syntax, 1, 40,
		"expected AS OF after FOR SYSTEM_TIME, found 's'", "AS OF"},
	{"missing time", "SELECT * FROM s JOIN t FOR SYSTEM_TIME AS OF\n  ON s.k = t.k", diag.Syntax, 2, 3,
		"expected a time after FOR SYSTEM_TIME AS OF, found 'ON'", "PROCTIME()"},
	{"alias before the clause", "SELECT * FROM s JOIN t AS r FOR SYSTEM_TIME AS OF s.ts ON s.k = r.k", diag.Syntax, 1, 24,
		"the alias 'r' must come after FOR SYSTEM_TIME AS OF <time>, not before it", "AS r"},
	{"after a subquery", "SELECT * FROM s JOIN (SELECT * FROM t) FOR SYSTEM_TIME AS OF s.ts ON 1 = 1", diag.Unsupported, 1, 40,
		"FOR SYSTEM_TIME AS OF must follow a table name, not a subquery", ""},
	{"in the select list", "SELECT a, t FOR SYSTEM_TIME AS OF s.ts FROM s", diag.Syntax, 1, 13,
		"FOR SYSTEM_TIME AS OF must follow a table name in FROM or JOIN", "JOIN t FOR SYSTEM_TIME"},
	{"reserved placeholder name", "SELECT chatsql_tt_1 FROM s JOIN t FOR SYSTEM_TIME AS OF s.ts ON 1 = 1", diag.Semantic, 1, 8,
		"the name 'chatsql_tt_1' is reserved", "rename it"},
	{"bad AS OF expression", "SELECT * FROM s JOIN t FOR SYSTEM_TIME AS OF s.ts + ON 1 = 1", diag.Syntax, 1, 52,
		"syntax error: unexpected end of statement", ""},
}

func TestTemporalErrors(t *testing.T) { checkStmtMistakes(t, temporalMistakes) }

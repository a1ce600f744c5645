package parser

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// tableNamesOf renders q.Tables as "placeholder=name@text at its position"
// in placeholder order.
func tableNamesOf(q *Query) string {
	var out []string
	for name, id := range q.Tables {
		out = append(out, fmt.Sprintf("%s=%s@%.6s", name, id.String(), q.Src.Text[id.Pos:]))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestTableNameCut(t *testing.T) {
	cases := []struct {
		sql       string
		rewritten string // the query TiDB sees
		tables    string // tableNamesOf
	}{
		{"SELECT user_id, n FROM lake.chat.t3",
			"SELECT user_id, n FROM chatsql_tn_1.t3",
			"chatsql_tn_1=lake.chat.t3@lake.c"},
		{"SELECT t.n FROM lake.chat.t3 AS t WHERE t.n > 1",
			"SELECT t.n FROM chatsql_tn_1.t3 AS t WHERE t.n > 1",
			"chatsql_tn_1=lake.chat.t3@lake.c"},
		{"SELECT * FROM `lake`.`chat`.`t3` x",
			"SELECT * FROM chatsql_tn_1.`t3` x",
			"chatsql_tn_1=lake.chat.t3@`lake`"},
		{"SELECT * FROM LAKE . chat . `order`",
			"SELECT * FROM chatsql_tn_1.`order`",
			"chatsql_tn_1=LAKE.chat.order@LAKE ."},
		{"SELECT a FROM s, hist.db.t WHERE 1 = 1",
			"SELECT a FROM s, chatsql_tn_1.t WHERE 1 = 1",
			"chatsql_tn_1=hist.db.t@hist.d"},
		{"SELECT * FROM s JOIN t ON s.k = t.k, lake.db.u",
			"SELECT * FROM s JOIN t ON s.k = t.k, chatsql_tn_1.u",
			"chatsql_tn_1=lake.db.u@lake.d"},
		{"SELECT * FROM s WHERE EXISTS (SELECT 1 FROM lake.db.t WHERE t.k = s.k) AND s.a IN (SELECT a FROM lake.db.u u)",
			"SELECT * FROM s WHERE EXISTS (SELECT 1 FROM chatsql_tn_1.t WHERE t.k = s.k) AND s.a IN (SELECT a FROM chatsql_tn_2.u u)",
			"chatsql_tn_1=lake.db.t@lake.d chatsql_tn_2=lake.db.u@lake.d"},
		{"SELECT * FROM (SELECT a FROM lake.db.t) AS q, (lake.db.u)",
			"SELECT * FROM (SELECT a FROM chatsql_tn_1.t) AS q, (chatsql_tn_2.u)",
			"chatsql_tn_1=lake.db.t@lake.d chatsql_tn_2=lake.db.u@lake.d"},
		{"WITH x AS (SELECT a FROM lake.db.t) SELECT * FROM x",
			"WITH x AS (SELECT a FROM chatsql_tn_1.t) SELECT * FROM x",
			"chatsql_tn_1=lake.db.t@lake.d"},
		{"SELECT a FROM lake.db.t UNION ALL SELECT a FROM lake.db.u",
			"SELECT a FROM chatsql_tn_1.t UNION ALL SELECT a FROM chatsql_tn_2.u",
			"chatsql_tn_1=lake.db.t@lake.d chatsql_tn_2=lake.db.u@lake.d"},
		{"SELECT * FROM a.b.c.d",
			"SELECT * FROM chatsql_tn_1.d",
			"chatsql_tn_1=a.b.c.d@a.b.c."},
		{"SELECT * FROM lake./* ns */chat.t3",
			"SELECT * FROM chatsql_tn_1.t3",
			"chatsql_tn_1=lake.chat.t3@lake./"},
		// a temporal join keeps its name in Query.Temporal
		{"SELECT * FROM s JOIN lake.chat.profiles FOR SYSTEM_TIME AS OF s.ts AS p ON s.k = p.k",
			"SELECT * FROM s JOIN chatsql_tt_1 AS p ON s.k = p.k", ""},
		// three parts in expressions are columns: left alone
		{"SELECT db.t.col, EXTRACT(YEAR FROM db.t.ts) FROM db.t WHERE db.t.col > 1 GROUP BY db.t.col, db.t.k ORDER BY db.t.col",
			"SELECT db.t.col, EXTRACT(YEAR FROM db.t.ts) FROM db.t WHERE db.t.col > 1 GROUP BY db.t.col, db.t.k ORDER BY db.t.col", ""},
		{"SELECT COUNT(*) FROM lake.db.t GROUP BY db.t.k, db.t.j HAVING MAX(db.t.j) > 1",
			"SELECT COUNT(*) FROM chatsql_tn_1.t GROUP BY db.t.k, db.t.j HAVING MAX(db.t.j) > 1",
			"chatsql_tn_1=lake.db.t@lake.d"},
		{"SELECT 'FROM a.b.c' FROM s -- FROM a.b.c",
			"SELECT 'FROM a.b.c' FROM s " + strings.Repeat(" ", len("-- FROM a.b.c")), ""},
		{"SELECT * FROM chat.t3", "SELECT * FROM chat.t3", ""},
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
			if got := tableNamesOf(q); got != c.tables {
				t.Errorf("tables\n got %q\nwant %q", got, c.tables)
			}
		})
	}
}

func TestHasDottedChain(t *testing.T) {
	for s, want := range map[string]bool{
		"SELECT a.b, c.d FROM t":           false,
		"SELECT 1.5 + 2.5, t.x FROM s.t":   false,
		"FROM lake.chat.t3":                true,
		"FROM lake . chat\n. t3":           true,
		"FROM lake./* ns */chat.t3":        true,
		"FROM `lake`.chat":                 true, // any backquote: lex and see
		"SELECT a.b FROM t WHERE x = 'a.'": false,
		"SELECT db.t.col FROM db.t":        true, // a column: the cut leaves it
	} {
		if got := hasDottedChain(s); got != want {
			t.Errorf("hasDottedChain(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestTableNameInStatements: the queries of INSERT, CREATE VIEW, CREATE
// SINK and EXPLAIN take three-part names, and Query.TableName gives each
// TiDB table name back as the user wrote it.
func TestTableNameInStatements(t *testing.T) {
	for _, sql := range []string{
		"INSERT INTO out1 SELECT user_id, n FROM lake.chat.t3",
		"CREATE VIEW v AS SELECT user_id, n FROM lake.chat.t3",
		"CREATE SINK k WITH ('connector' = 'print') AS SELECT user_id, n FROM lake.chat.t3",
		"EXPLAIN SELECT user_id, n FROM lake.chat.t3",
		"EXPLAIN INSERT INTO out1 SELECT user_id, n FROM lake.chat.t3",
	} {
		t.Run(sql, func(t *testing.T) {
			st, err := ParseStatement(diag.NewSource("q.sql", sql))
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			q := queryOf(st)
			if q == nil {
				t.Fatalf("no query in %T", st)
			}
			var names []string
			q.Stmt.Accept(tableNameVisitor(func(tn *ast.TableName) {
				id := q.TableName(tn)
				names = append(names, fmt.Sprintf("%s@%d", id.String(), id.Pos))
			}))
			want := fmt.Sprintf("lake.chat.t3@%d", strings.Index(sql, "lake"))
			if len(names) != 1 || names[0] != want {
				t.Errorf("table names %v, want [%s]", names, want)
			}
		})
	}
	// a two-part name has no recorded position
	q, err := parseQuery(diag.NewSource("q.sql", "SELECT * FROM chat.t3"), 0, 21)
	if err != nil {
		t.Fatal(err.Format())
	}
	q.Stmt.Accept(tableNameVisitor(func(tn *ast.TableName) {
		if id := q.TableName(tn); id.String() != "chat.t3" || id.Pos != -1 {
			t.Errorf("two-part name: %v", id)
		}
	}))
}

func queryOf(st Statement) *Query {
	switch x := st.(type) {
	case *QueryStmt:
		return x.Query
	case *CreateSinkStmt:
		return x.Query
	case *CreateViewStmt:
		return x.Query
	case *InsertStmt:
		return x.Query
	case *ExplainStmt:
		return queryOf(x.Stmt)
	}
	return nil
}

type tableNameVisitor func(*ast.TableName)

func (v tableNameVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if tn, ok := n.(*ast.TableName); ok {
		v(tn)
	}
	return n, false
}

func (v tableNameVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// tableNameMistakes are positioned errors around three-part names; they
// seed FuzzParseScript too.
var tableNameMistakes = []stmtMistake{
	{"reserved placeholder name", "SELECT chatsql_tn_1 FROM lake.db.t", diag.Semantic, 1, 8,
		"the name 'chatsql_tn_1' is reserved", "rename it"},
	{"misspelled clause after a cut name", "SELECT a\nFROM lake.chat.t3\nWHER a = 1", diag.Syntax, 3, 1,
		"syntax error at 'WHER'", "did you mean WHERE?"},
	{"error after a cut name", "SELECT a FROM lake.chat.t3 t WHERE = 1", diag.Syntax, 1, 36,
		"syntax error at '='", ""},
	{"missing last part", "SELECT a FROM lake.chat. WHERE a = 1", diag.Syntax, 1, 26,
		"expected a table name after 'lake.chat.', found 'WHERE'", "catalog.namespace.table"},
	{"a column of four parts", "SELECT lake.chat.t3.n FROM lake.chat.t3", diag.Syntax, 1, 20,
		"syntax error at '.': a name has too many parts", "AS t"},
}

func TestTableNameErrors(t *testing.T) { checkStmtMistakes(t, tableNameMistakes) }

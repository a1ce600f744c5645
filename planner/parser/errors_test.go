package parser

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
)

func asDiag(err error, d **diag.Error) bool { return errors.As(err, d) }

// stmtMistake is a statement that ParseStatement rejects with an error of
// kind at line:col with the message msg and a hint containing hint ("":
// any hint).
type stmtMistake struct {
	name, sql string
	kind      diag.Kind
	line, col int
	msg       string
	hint      string
}

// checkStmtMistakes checks each mistake's error, one subtest each.
func checkStmtMistakes(t *testing.T, mistakes []stmtMistake) {
	for _, c := range mistakes {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseStatement(diag.NewSource("q.sql", c.sql))
			var d *diag.Error
			if err == nil || !asDiag(err, &d) {
				t.Fatalf("expected a diag error, got %v", err)
			}
			if d.Kind != c.kind || d.Pos.Line != c.line || d.Pos.Col != c.col || d.Msg != c.msg {
				t.Errorf("got %s %d:%d %q, want %s %d:%d %q\n%s", d.Kind, d.Pos.Line, d.Pos.Col, d.Msg, c.kind, c.line, c.col, c.msg, d.Format())
			}
			if c.hint != "" && !strings.Contains(d.Hint, c.hint) {
				t.Errorf("hint %q does not contain %q", d.Hint, c.hint)
			}
		})
	}
}

const withOK = " WITH ('connector' = 'datagen')"

// typicalMistakes are the errors users make most often: each must point at
// the exact line:column of the original text, with a hint where one helps.
// They also seed FuzzParseScript.
var typicalMistakes = []struct {
	name      string
	sql       string
	kind      diag.Kind
	line, col int
	hint      string // substring of the hint; "" means no hint required
}{
	{"missing comma between columns", "CREATE SOURCE s (\n  a VARCHAR\n  b BIGINT\n)" + withOK, diag.Syntax, 3, 3, "missing ','"},
	{"unknown type", "CREATE SOURCE s (\n  a VARCHR\n)" + withOK, diag.UnknownName, 2, 5, "did you mean VARCHAR?"},
	{"unknown multi-word type", "CREATE SOURCE s (a TIMESTMP(3) WITH LOCAL TIME ZONE)" + withOK, diag.UnknownName, 1, 20, "did you mean TIMESTAMP?"},
	{"bad type parameter", "CREATE TABLE t (a DECIMAL(40, 2))", diag.Type, 1, 19, ""},
	{"missing type", "CREATE SOURCE s (a, b INT)" + withOK, diag.Syntax, 1, 19, "AS <expression>"},
	{"unterminated string", "SELECT a\nFROM t WHERE b = 'abc;\n", diag.Syntax, 2, 18, "close it with '"},
	{"unterminated comment", "SELECT 1; /* note", diag.Syntax, 1, 11, "*/"},
	{"unclosed paren", "SELECT COUNT(a FROM t", diag.Syntax, 1, 13, "missing ')'"},
	{"unclosed paren in DDL", "CREATE SOURCE s (\n  a INT,\n  b VARCHAR(10\n)" + withOK, diag.Syntax, 1, 17, "missing ')'"},
	{"extra paren", "SELECT a) FROM t", diag.Syntax, 1, 9, ""},
	{"misspelled statement keyword", "CRATE SOURCE s (a INT)" + withOK, diag.Syntax, 1, 1, "did you mean CREATE?"},
	{"misspelled object kind", "CREATE SORCE s (a INT)" + withOK, diag.Syntax, 1, 8, "did you mean SOURCE?"},
	{"misspelled SHOW target", "SHOW SORCES", diag.Syntax, 1, 6, "did you mean SOURCES?"},
	{"misspelled WATERMARK", "CREATE SOURCE s (\n  ts TIMESTAMP(3),\n  WATERMAKR FOR ts AS ts\n)" + withOK, diag.Syntax, 3, 3, "did you mean WATERMARK?"},
	{"misspelled WITH", "CREATE SOURCE s (a INT) WTIH ('connector' = 'x')", diag.Syntax, 1, 25, "did you mean WITH?"},
	{"misspelled WHERE", "SELECT a\nFROM t\nWHER a = 1", diag.Syntax, 3, 1, "did you mean WHERE?"},
	{"misspelled FROM", "SELECT a FORM t", diag.Syntax, 1, 10, "did you mean FROM?"},
	{"watermark without AS", "CREATE SOURCE s (ts TIMESTAMP(3), WATERMARK FOR ts ts - INTERVAL '1' SECOND)" + withOK, diag.Syntax, 1, 52, "AS"},
	{"option without =", "CREATE SOURCE s (a INT) WITH (\n  'connector' 'kafka'\n)", diag.Syntax, 2, 15, "'connector' = 'value'"},
	{"option without value", "CREATE SOURCE s (a INT) WITH ('connector' = , 'topic' = 't')", diag.Syntax, 1, 45, "'connector' = 'value'"},
	{"missing comma between options", "CREATE SOURCE s (a INT) WITH ('connector' = 'kafka' 'topic' = 't')", diag.Syntax, 1, 53, "missing ','"},
	{"trailing comma in options", "CREATE SOURCE s (a INT) WITH ('connector' = 'kafka',)", diag.Syntax, 1, 52, "remove"},
	{"trailing comma in columns", "CREATE SOURCE s (a INT,\n)" + withOK, diag.Syntax, 1, 23, "remove"},
	{"missing AS in CREATE SINK", "CREATE SINK out WITH ('connector' = 'print')\nSELECT * FROM s", diag.Syntax, 2, 1, "AS SELECT"},
	{"missing AS in CREATE VIEW", "CREATE VIEW v SELECT * FROM s", diag.Syntax, 1, 15, "AS SELECT"},
	{"trailing comma in select list", "SELECT a,\n  b,\nFROM t", diag.Syntax, 2, 4, "remove the ','"},
	{"double comma in select list", "SELECT a,, b FROM t", diag.Syntax, 1, 10, ""},
	{"reserved word as a name", "SELECT key FROM t", diag.Syntax, 1, 8, "`key`"},
	{"error after a lifted TRANSLATE", "SELECT TRANSLATE(text, 'es') AS t FROM s WHERE = 1", diag.Syntax, 1, 48, ""},
	{"error after a lifted CAST", "SELECT CAST(a AS TIMESTAMP(3)) AS t FROM s GROUP x", diag.Syntax, 1, 50, ""},
	{"incomplete expression", "SELECT a + FROM t", diag.Syntax, 1, 12, ""},
	{"junk after a statement", "SHOW SOURCES please", diag.Syntax, 1, 14, "';'"},
	{"junk after DROP", "DROP SOURCE a b", diag.Syntax, 1, 15, ""},
	{"empty statement", "SELECT 1;\n;", diag.Syntax, 2, 1, "extra ';'"},
	{"SET without =", "SET 'a' 'b'", diag.Syntax, 1, 9, "SET 'key' = 'value'"},
	{"SET without value", "SET a =", diag.Syntax, 1, 8, ""},
	{"EXPLAIN of DDL", "EXPLAIN CREATE SOURCE s (a INT)", diag.Unsupported, 1, 16, ""},
	{"CREATE SINK without query", "CREATE SINK o AS", diag.Syntax, 1, 17, ""},
	{"INSERT without INTO", "INSERT t SELECT 1", diag.Syntax, 1, 8, ""},
	{"duplicate watermark", "CREATE SOURCE s (ts TIMESTAMP(3), WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts)", diag.Semantic, 1, 59, ""},
	{"OR REPLACE SINK", "CREATE OR REPLACE SINK s AS SELECT 1", diag.Unsupported, 1, 19, ""},
	{"time travel not yet", "SELECT * FROM s JOIN u FOR VERSION AS OF 1 AS x ON s.a = x.a", diag.Unsupported, 1, 24, "Iceberg"},
	{"MATCH_RECOGNIZE misplaced", "SELECT * FROM s WHERE MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 23, "FROM t MATCH_RECOGNIZE"},
	{"MATCH_RECOGNIZE parses", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 0, 0, ""},
	{"query in a CREATE SINK is not a query", "CREATE SINK s AS (SELECT 1); ", diag.Syntax, 0, 0, ""},
}

func TestTypicalMistakes(t *testing.T) {
	for _, tc := range typicalMistakes {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScript(diag.NewSource("bad.sql", tc.sql))
			if tc.line == 0 { // a valid statement: guards against over-eager errors
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error for %q", tc.sql)
			}
			if !diag.IsSQLError(err) || !errors.Is(err, diag.ErrSyntax) && tc.kind == diag.Syntax {
				t.Fatalf("error %v is not a positioned syntax error", err)
			}
			var d *diag.Error
			if !errors.As(err, &d) {
				t.Fatalf("error %T is not a *diag.Error", err)
			}
			if d.Kind != tc.kind || d.Pos.Line != tc.line || d.Pos.Col != tc.col {
				t.Errorf("got %v at %d:%d, want %v at %d:%d\n%s", d.Kind, d.Pos.Line, d.Pos.Col, tc.kind, tc.line, tc.col, d.Format())
			}
			if !strings.Contains(d.Hint, tc.hint) {
				t.Errorf("hint %q does not contain %q\n%s", d.Hint, tc.hint, d.Format())
			}
			if d.Src == nil || d.Src.Name != "bad.sql" {
				t.Errorf("error has no source: %+v", d)
			}
		})
	}
}

// TestErrorsInLaterStatements checks that errors are collected across a
// script and each points at its own line.
func TestErrorsInLaterStatements(t *testing.T) {
	text := "SET a = b;\n" +
		"CREATE SOURCE s (\n" +
		"  a VARCHR\n" +
		")" + withOK + ";\n" +
		"SELECT a FROM s;\n" +
		"SELECT a,\n" +
		"FROM s;\n" +
		"SHOW JOBS;\n"
	script, err := ParseScript(diag.NewSource("multi.sql", text))
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("err = %v, want a diag.List", err)
	}
	want := [][2]int{{3, 5}, {6, 9}}
	if len(list) != len(want) {
		t.Fatalf("%d errors, want %d:\n%s", len(list), len(want), list.Format())
	}
	for i, w := range want {
		if got := [2]int{list[i].Pos.Line, list[i].Pos.Col}; got != w {
			t.Errorf("error %d at %v, want %v", i, got, w)
		}
	}
	if len(script.Statements) != 3 {
		t.Errorf("%d statements parsed around the errors, want 3", len(script.Statements))
	}
	// A missing ')' does not swallow the statements after it.
	text = "CREATE SOURCE s (a INT;\nSELECT a FROM s;\nSELECT x FORM s;"
	script, err = ParseScript(diag.NewSource("paren.sql", text))
	if !errors.As(err, &list) || len(list) != 2 || list[0].Pos.Line != 1 || list[1].Pos.Line != 3 {
		t.Fatalf("errors: %v", err)
	}
	if len(script.Statements) != 1 {
		t.Errorf("%d statements, want 1", len(script.Statements))
	}
}

func TestParseStatementWantsOne(t *testing.T) {
	if _, err := ParseStatement(diag.NewSource("x", "SELECT 1; SELECT 2")); err == nil {
		t.Error("two statements accepted")
	}
	if _, err := ParseStatement(diag.NewSource("x", "  -- nothing\n")); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := ParseStatement(diag.NewSource("x", "SELECT 1;")); err != nil {
		t.Errorf("trailing ';' rejected: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := ParseScript(diag.NewSource("queries/bad.sql", "CREATE SOURCE s (\n  a VARCHR\n)"+withOK))
	got := diag.FormatError(err)
	want := "queries/bad.sql:2:5: unknown type 'VARCHR'\n  2 |   a VARCHR\n    |     ^\nhint: did you mean VARCHAR?\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

func TestLift(t *testing.T) {
	tests := []struct{ in, want string }{
		{"TRANSLATE(text, 'es')", "CHATSQL_TRANSLATE(text, 'es')"},
		{"translate (text, 'es', 'gpt-4o')", "CHATSQL_TRANSLATE (text, 'es', 'gpt-4o')"},
		{"t.translate", "t.translate"},
		{"CAST(x AS TIMESTAMP(3))", "CHATSQL_CAST(x , 'TIMESTAMP(3)')"},
		{"CAST(CAST(a AS INT) AS VARCHAR)", "CHATSQL_CAST(CHATSQL_CAST(a , 'INT') , 'VARCHAR')"},
		{"try_cast(a AS TIMESTAMP(3)  WITH LOCAL\n TIME ZONE)", "CHATSQL_TRY_CAST(a , 'TIMESTAMP(3) WITH LOCAL TIME ZONE')"},
		{"CAST(a /* c */ AS /* t */ DECIMAL(10, 2))", "CHATSQL_CAST(a         , 'DECIMAL(10, 2)')"},
		{"CAST(f(a, b) AS STRING)", "CHATSQL_CAST(f(a, b) , 'STRING')"},
		{"CAST(a)", "CAST(a)"},
		{"TUMBLE(ts, INTERVAL '1' MINUTE)", "TUMBLE(ts, CHATSQL_INTERVAL('1', 'MINUTE'))"},
		{"HOP(ts, interval 1 minute, INTERVAL '5' MINUTE)", "HOP(ts, CHATSQL_INTERVAL(1, 'MINUTE'), CHATSQL_INTERVAL('5', 'MINUTE'))"},
		{"f(INTERVAL '1 10' DAY TO HOUR)", "f(CHATSQL_INTERVAL('1 10', 'DAY TO HOUR'))"},
		{"f(INTERVAL -2 DAY)", "f(CHATSQL_INTERVAL(-2, 'DAY'))"},
		{"ts - INTERVAL '5' SECOND", "ts - INTERVAL '5' SECOND"},
		{"DATE_ADD(ts, INTERVAL 1 DAY)", "DATE_ADD(ts, INTERVAL 1 DAY)"},
		{"f(INTERVAL x DAY)", "f(INTERVAL x DAY)"},
		{"'CAST(a AS INT)' -- TRANSLATE(", "'CAST(a AS INT)' " + strings.Repeat(" ", len("-- TRANSLATE("))},
		{"a # x\n+ b", "a    \n+ b"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			l, err := lift(tc.in, 0, len(tc.in), "")
			if err != nil {
				t.Fatalf("lift: %+v", err)
			}
			if l.text != tc.want {
				t.Errorf("lift(%q)\n got %q\nwant %q", tc.in, l.text, tc.want)
			}
		})
	}
}

// positions collects the OriginTextPosition of column references and
// function calls, by name.
type positions map[string]int

func (p positions) Enter(n ast.Node) (ast.Node, bool) {
	// The first occurrence wins: outer calls are visited before inner ones.
	add := func(k string, v int) {
		if _, ok := p[k]; !ok {
			p[k] = v
		}
	}
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		add(x.Name.Name.O, x.OriginTextPosition())
	case *ast.FuncCallExpr:
		add(x.FnName.L+"()", x.OriginTextPosition())
	}
	return n, false
}

func (p positions) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// TestPositionsMapBack checks that positions TiDB reports in the rewritten
// text map back to the user's text, through every kind of edit.
func TestPositionsMapBack(t *testing.T) {
	text := "SET a = b;\n-- a comment\nSELECT TRANSLATE(msg, lang) AS t,\n  CAST(CAST(n AS INT) AS TIMESTAMP(3)) AS c,\n" +
		"  TUMBLE(ts, INTERVAL '1' MINUTE) AS w, after_all\nFROM s"
	script, err := ParseScript(diag.NewSource("pos.sql", text))
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	q := script.Statements[1].(*QueryStmt).Query
	pos := positions{}
	q.Stmt.Accept(pos)
	want := map[string]string{
		"msg": "msg", "lang": "lang", "n": "n", "ts": "ts", "after_all": "after_all",
		FuncTranslate + "()": "TRANSLATE(", FuncCast + "()": "CAST(CAST", "tumble()": "TUMBLE(",
		FuncInterval + "()": "INTERVAL '1'",
	}
	for name, prefix := range want {
		t.Run(name, func(t *testing.T) {
			p, ok := pos[name]
			if !ok {
				t.Fatalf("%s not found in %v", name, pos)
			}
			if off := q.Offset(p); !strings.HasPrefix(text[off:], prefix) {
				t.Errorf("%s maps to %d: %q, want it to start with %q", name, off, text[off:min(off+15, len(text))], prefix)
			}
		})
	}

	// Expressions carry the "SELECT " prefix in their rewritten text.
	src := diag.NewSource("e.sql", "xx CAST(a AS STRING) || b")
	e, err := ParseExpr(src, 3, len(src.Text))
	if err != nil {
		t.Fatal(err)
	}
	pos = positions{}
	e.Node.Accept(pos)
	if got := e.Offset(pos["b"]); got != strings.Index(src.Text, "b") {
		t.Errorf("b maps to %d", got)
	}
	if got := e.Offset(pos["a"]); got != strings.Index(src.Text, "a ") {
		t.Errorf("a maps to %d", got)
	}
}

// TestTiDBExpressions pins what the TiDB parser makes of the expressions
// chatsql relies on, after lifting.
func TestTiDBExpressions(t *testing.T) {
	tests := []struct {
		expr string
		want string // node type, and function name for calls
	}{
		{"PROCTIME()", "*ast.FuncCallExpr proctime"},
		{"TO_TIMESTAMP_LTZ(x, 0)", "*ast.FuncCallExpr to_timestamp_ltz"},
		{"UUID()", "*ast.FuncCallExpr uuid"},
		{"JSON_OBJECT('id', id, 'text', text)", "*ast.FuncCallExpr json_object"},
		{"payload->>'$.text'", "*ast.FuncCallExpr json_unquote"},
		{"payload->'$.text'", "*ast.FuncCallExpr json_extract"},
		{"`timestamp`", "*ast.ColumnNameExpr"},
		{"timestamp", "*ast.ColumnNameExpr"},
		{"text", "*ast.ColumnNameExpr"},
		{"type", "*ast.ColumnNameExpr"},
		{"text REGEXP '^hi'", "*ast.PatternRegexpExpr"},
		{"text LIKE '%spam%'", "*ast.PatternLikeOrIlikeExpr"},
		{"CASE WHEN a > 1 THEN 'x' ELSE 'y' END", "*ast.CaseExpr"},
		{"event_time - INTERVAL '5' SECOND", "*ast.FuncCallExpr date_sub"},
		{"event_time + INTERVAL 1 DAY", "*ast.FuncCallExpr date_add"},
		{"'msg-' || id", "*ast.FuncCallExpr concat"},
		{"TRANSLATE(text, preferredLanguage)", "*ast.FuncCallExpr " + FuncTranslate},
		{"CAST(x AS STRING)", "*ast.FuncCallExpr " + FuncCast},
		{"TRY_CAST(x AS BIGINT)", "*ast.FuncCallExpr " + FuncTryCast},
		{"TUMBLE(ts, INTERVAL '1' MINUTE)", "*ast.FuncCallExpr tumble"},
		{"TRANSLATE(text, lang, (SELECT model FROM translation_models WHERE language = lang))", "*ast.FuncCallExpr " + FuncTranslate},
		{"COALESCE(a, IF(b, 1, 2))", "*ast.FuncCallExpr coalesce"},
		{"EXISTS (SELECT 1 FROM banned_words b WHERE INSTR(LOWER(m.text), b.word) > 0)", "*ast.ExistsSubqueryExpr"},
		{"x IN (1, 2)", "*ast.PatternInExpr"},
		{"'abc'", "*test_driver.ValueExpr"},
		{`"abc"`, "*test_driver.ValueExpr"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := ParseExpr(diag.NewSource("x", tc.expr), 0, len(tc.expr))
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%T", e.Node)
			if f, ok := e.Node.(*ast.FuncCallExpr); ok {
				got += " " + f.FnName.L
			}
			if got != tc.want {
				t.Errorf("%s parsed as %s, want %s", tc.expr, got, tc.want)
			}
		})
	}

	// The lifted CAST carries the type text as its second argument.
	e, err := ParseExpr(diag.NewSource("x", "CAST(x AS TIMESTAMP(3))"), 0, 23)
	if err != nil {
		t.Fatal(err)
	}
	arg := e.Node.(*ast.FuncCallExpr).Args[1].(*test_driver.ValueExpr)
	if s := arg.GetString(); s != "TIMESTAMP(3)" {
		t.Errorf("cast type argument %q", s)
	}
	// TRANSLATE(text, lang) without lifting is a TiDB syntax error: the
	// reason the lifting pass exists.
	if _, err := tidbParse("SELECT TRANSLATE(text, 'es')"); err == nil {
		t.Error("TiDB now parses 2-argument TRANSLATE; the lifter may be unnecessary")
	}
}

func TestParseExprRejectsMoreThanOne(t *testing.T) {
	tests := []struct {
		in  string
		col int
	}{
		{"a, b", 2},
		{"a FROM t", 3},
		{"a AS b", 3},
		{"a b", 1},
		{"", 1},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseExpr(diag.NewSource("x", tc.in), 0, len(tc.in))
			var d *diag.Error
			if !asDiag(err, &d) {
				t.Fatalf("err = %v, want *diag.Error", err)
			}
			if d.Pos.Col != tc.col {
				t.Errorf("column %d, want %d (%v)", d.Pos.Col, tc.col, d)
			}
		})
	}
}

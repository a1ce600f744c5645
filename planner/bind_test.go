package planner

import (
	"errors"
	"strings"
	"testing"

	_ "github.com/chatsql/chatsql/connectors/file"
	_ "github.com/chatsql/chatsql/connectors/kafka"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/types"
)

// testPlanner has one source t(a BIGINT, s VARCHAR, d DOUBLE, ts TIMESTAMP_LTZ(3), j JSON, b BOOLEAN).
func testPlanner(t *testing.T) *Planner {
	t.Helper()
	p := New(NewCatalog(), map[string]string{})
	addRelation(t, p, "t", "CREATE SOURCE t (a BIGINT, s VARCHAR, d DOUBLE, ts TIMESTAMP_LTZ(3), j JSON, b BOOLEAN, "+
		"WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'file', 'path' = '/dev/null')")
	return p
}

// addRelation binds the CREATE SOURCE or CREATE TABLE ddl and puts it in
// p's catalog under name.
func addRelation(t *testing.T, p *Planner, name, ddl string) *Relation {
	t.Helper()
	src := diag.NewSource("ddl.sql", ddl)
	st, err := parser.ParseStatement(src)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	rel, err := p.BindRelation(st.(*parser.CreateRelationStmt), src)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	p.Catalog.Put(name, rel)
	return rel
}

var testRow = types.Row{types.NewBigInt(7), types.NewString("Hello"), types.NewDouble(2.5),
	types.NewTimestampLTZ(1704067200_000000), types.NewJSON(`{"x":{"y":[1,2]},"n":"z"}`), types.NewBool(true)}

func bindSelect(t *testing.T, p *Planner, sql string) (Logical, error) {
	t.Helper()
	src := diag.NewSource("q.sql", sql)
	st, err := parser.ParseStatement(src)
	if err != nil {
		return nil, err
	}
	return p.BindQuery(st.(*parser.QueryStmt).Query)
}

func evalOne(t *testing.T, p *Planner, e string) types.Value {
	t.Helper()
	l, err := bindSelect(t, p, "SELECT "+e+" AS v FROM t")
	if err != nil {
		t.Fatalf("%s: %s", e, diag.FormatError(err))
	}
	v, err := l.(*Project).Exprs[0].Compile()(testRow)
	if err != nil {
		t.Fatalf("%s: eval: %v", e, err)
	}
	return v
}

func TestExpressions(t *testing.T) {
	p := testPlanner(t)
	cases := []struct{ expr, want string }{
		{"a + 1", "8"},
		{"a * 2 - 3", "11"},
		{"a / 2", "3.5"},
		{"a DIV 2", "3"},
		{"a % 4", "3"},
		{"-a", "-7"},
		{"d * 2", "5"},
		{"1.5 + 1.25", "2.75"},
		{"a > 5 AND s = 'Hello'", "TRUE"},
		{"a > 5 AND NULL", "NULL"},
		{"a < 5 AND NULL", "FALSE"},
		{"a < 5 OR NULL", "NULL"},
		{"NOT (a = 7)", "FALSE"},
		{"a IN (1, 7, 9)", "TRUE"},
		{"a NOT IN (1, 2)", "TRUE"},
		{"a IN (1, NULL)", "NULL"},
		{"a BETWEEN 1 AND 7", "TRUE"},
		{"s LIKE 'He%'", "TRUE"},
		{"s LIKE 'h_llo'", "FALSE"},
		{"s NOT LIKE '%x%'", "TRUE"},
		{"s REGEXP '^H.*o$'", "TRUE"},
		{"s IS NULL", "FALSE"},
		{"NULL IS NULL", "TRUE"},
		{"b IS TRUE", "TRUE"},
		{"CASE WHEN a > 10 THEN 'big' WHEN a > 5 THEN 'mid' ELSE 'small' END", "mid"},
		{"CASE a WHEN 7 THEN 1 ELSE 2.5 END", "1.0"},
		{"CASE WHEN a > 100 THEN 'x' END", "NULL"},
		{"'10' = 10", "TRUE"},
		{"'abc' < 'abd'", "TRUE"},
		{"a = '7'", "TRUE"},
		{"NULL <=> NULL", "TRUE"},
		{"ts - INTERVAL '5' SECOND", "2023-12-31 23:59:55.000Z"},
		{"ts + INTERVAL '1' HOUR", "2024-01-01 01:00:00.000Z"},
		{"ts > TIMESTAMP '2023-12-31 00:00:00'", "TRUE"},
		{"CAST(a AS VARCHAR)", "7"},
		{"CAST('42' AS BIGINT) + 1", "43"},
		{"TRY_CAST('x' AS BIGINT)", "NULL"},
		{"UPPER(s)", "HELLO"},
		{"CONCAT(s, '-', a)", "Hello-7"},
		{"j->>'$.n'", "z"},
		{"COALESCE(NULL, s)", "Hello"},
		{"IF(a > 1, 'y', 'n')", "y"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			if got := evalOne(t, p, c.expr).String(); got != c.want {
				t.Errorf("%s = %s, want %s", c.expr, got, c.want)
			}
		})
	}
}

func TestConstantFolding(t *testing.T) {
	p := testPlanner(t)
	l, err := bindSelect(t, p, "SELECT 1 + 2 * 3 AS v, UPPER('x') AS u, UUID() AS r FROM t")
	if err != nil {
		t.Fatal(err)
	}
	ex := l.(*Project).Exprs
	if lit, ok := ex[0].(interface{ String() string }); !ok || lit.String() != "7" {
		t.Errorf("1 + 2 * 3 folded to %v", ex[0])
	}
	if ex[1].String() != "'X'" {
		t.Errorf("UPPER('x') folded to %v", ex[1])
	}
	if ex[2].String() != "UUID()" {
		t.Errorf("UUID() must not be folded, got %v", ex[2])
	}
}

func TestBindErrors(t *testing.T) {
	p := testPlanner(t)
	cases := []struct {
		sql      string
		kind     error
		line     int
		col      int
		hintPart string
	}{
		{"SELECT usrname FROM t", diag.ErrUnknownName, 1, 8, "available columns: a, s, d"},
		{"SELECT ss FROM t", diag.ErrUnknownName, 1, 8, "did you mean 's'"},
		{"SELECT a FROM tt", diag.ErrUnknownName, 1, 15, "did you mean 't'"},
		{"SELECT a,\n  UPPR(s) FROM t", diag.ErrUnknownName, 2, 3, "did you mean UPPER"},
		{"SELECT x.a FROM t AS y", diag.ErrUnknownName, 1, 8, ""},
		{"SELECT a FROM t GROUP BY a", diag.ErrUnsupported, 1, 26, "windows"},
		{"SELECT a FROM t ORDER BY a", diag.ErrUnsupported, 1, 26, ""},
		{"SELECT COUNT(*) FROM t", diag.ErrUnsupported, 1, 8, ""},
		{"SELECT a FROM t JOIN t AS u ON t.a = u.a", diag.ErrUnsupported, 1, 17, "temporal"},
		{"SELECT CAST(a AS VARCHR) FROM t", diag.ErrType, 1, 18, "did you mean VARCHAR"},
		{"SELECT LPAD(s) FROM t", diag.ErrType, 1, 8, ""},
		{"SELECT ts + 1 FROM t", diag.ErrType, 1, 8, ""},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			_, err := bindSelect(t, p, c.sql)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, c.kind) {
				t.Fatalf("kind: got %v, want %v", err, c.kind)
			}
			var de *diag.Error
			if !errors.As(err, &de) {
				t.Fatalf("not a diag error: %v", err)
			}
			if de.Pos.Line != c.line || de.Pos.Col != c.col {
				t.Errorf("position %d:%d, want %d:%d\n%s", de.Pos.Line, de.Pos.Col, c.line, c.col, de.Format())
			}
			if c.hintPart != "" && !strings.Contains(de.Hint, c.hintPart) {
				t.Errorf("hint %q lacks %q", de.Hint, c.hintPart)
			}
		})
	}
}

func TestRelationErrors(t *testing.T) {
	cases := []struct {
		ddl      string
		kind     error
		col      int
		hintPart string
	}{
		{"CREATE SOURCE x (a INT) WITH ('connector' = 'kafak', 'topic' = 't')", diag.ErrOption, 45, "did you mean 'kafka'"},
		{"CREATE SOURCE x (a INT) WITH ('connector' = 'kafka', 'topik' = 't')", diag.ErrOption, 54, "did you mean 'topic'"},
		{"CREATE SOURCE x (a INT) WITH ('topic' = 't')", diag.ErrOption, 25, "known connectors"},
		{"CREATE SOURCE x (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'scan.startup.mode' = 'earliest')", diag.ErrOption, 91, "earliest-offset"},
		{"CREATE SOURCE x (a INT, a BIGINT) WITH ('connector' = 'file', 'path' = 'p')", diag.ErrSemantic, 25, ""},
		{"CREATE SOURCE x (a INT, o BIGINT METADATA FROM 'ofset') WITH ('connector' = 'kafka', 'topic' = 't')", diag.ErrOption, 48, "did you mean 'offset'"},
		{"CREATE SOURCE x (a INT, WATERMARK FOR b AS b) WITH ('connector' = 'file', 'path' = 'p')", diag.ErrUnknownName, 39, ""},
		{"CREATE SOURCE x (a INT, WATERMARK FOR a AS a) WITH ('connector' = 'file', 'path' = 'p')", diag.ErrType, 39, "TO_TIMESTAMP_LTZ"},
		{"CREATE SOURCE x (a INT, c AS a + zz) WITH ('connector' = 'file', 'path' = 'p')", diag.ErrUnknownName, 34, ""},
		{"CREATE SOURCE x (a INT, c AS TRANSLATE(a, 'es')) WITH ('connector' = 'file', 'path' = 'p')", diag.ErrSemantic, 30, "SELECT"},
		{"CREATE SOURCE x (a INT) WITH ('connector' = 'file')", diag.ErrOption, 25, ""},
	}
	for _, c := range cases {
		t.Run(c.ddl, func(t *testing.T) {
			p := New(NewCatalog(), map[string]string{})
			src := diag.NewSource("ddl.sql", c.ddl)
			st, err := parser.ParseStatement(src)
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			_, err = p.BindRelation(st.(*parser.CreateRelationStmt), src)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, c.kind) {
				t.Fatalf("kind: got %v, want %v", err, c.kind)
			}
			var de *diag.Error
			errors.As(err, &de)
			if de.Pos.Line != 1 || de.Pos.Col != c.col {
				t.Errorf("position %d:%d, want 1:%d\n%s", de.Pos.Line, de.Pos.Col, c.col, diag.FormatError(err))
			}
			if c.hintPart != "" && !strings.Contains(de.Hint, c.hintPart) {
				t.Errorf("hint %q lacks %q", de.Hint, c.hintPart)
			}
		})
	}
}

func TestAsyncExtraction(t *testing.T) {
	p := testPlanner(t)
	l, err := bindSelect(t, p, "SELECT UPPER(TRANSLATE(s, 'es')) AS u, a FROM t WHERE a > 1")
	if err != nil {
		t.Fatal(err)
	}
	opt, err := Optimize(l)
	if err != nil {
		t.Fatal(err)
	}
	got := FormatLogical(opt)
	want := "Project(UPPER($6:$TRANSLATE_6) AS u, $0:a AS a)\n" +
		"  AsyncCalc(TRANSLATE($1:s, 'es') AS $TRANSLATE_6)\n" +
		"    Filter(($0:a > 1))\n" +
		"      Scan(t)\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

package parser

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// mrQuery parses sql as one query and returns it with its only
// MATCH_RECOGNIZE.
func mrQuery(t *testing.T, sql string) (*Query, *MatchRecognize) {
	t.Helper()
	st, err := ParseStatement(diag.NewSource("mr.sql", sql))
	if err != nil {
		t.Fatalf("parse %q:\n%s", sql, diag.FormatError(err))
	}
	var q *Query
	switch x := st.(type) {
	case *QueryStmt:
		q = x.Query
	case *CreateSinkStmt:
		q = x.Query
	case *CreateViewStmt:
		q = x.Query
	case *InsertStmt:
		q = x.Query
	default:
		t.Fatalf("statement %T", st)
	}
	if len(q.MatchRecognize) != 1 {
		t.Fatalf("%d MATCH_RECOGNIZE clauses, want 1", len(q.MatchRecognize))
	}
	return q, q.MatchRecognize[mrPrefix+"1"]
}

// exprText is an expression as TiDB saw it, without the "SELECT " prefix.
func exprText(e *Expr) string { return strings.TrimPrefix(e.Rewritten, "SELECT ") }

// summary renders a clause compactly, for comparing in tests.
func summary(mr *MatchRecognize) string {
	var b strings.Builder
	switch {
	case mr.Input.Name != nil:
		fmt.Fprintf(&b, "in=%s", mr.Input.Name)
	case mr.Input.Query != nil:
		fmt.Fprintf(&b, "in=(%s)", mr.Input.Query.Rewritten)
	}
	var parts []string
	for _, e := range mr.PartitionBy {
		parts = append(parts, exprText(e))
	}
	if parts != nil {
		fmt.Fprintf(&b, " part=[%s]", strings.Join(parts, ", "))
	}
	parts = nil
	for _, o := range mr.OrderBy {
		s := exprText(o.Expr)
		if o.Desc {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	if parts != nil {
		fmt.Fprintf(&b, " order=[%s]", strings.Join(parts, ", "))
	}
	parts = nil
	for _, m := range mr.Measures {
		parts = append(parts, m.Alias.String()+"="+exprText(m.Expr))
	}
	if parts != nil {
		fmt.Fprintf(&b, " meas=[%s]", strings.Join(parts, ", "))
	}
	if mr.RowsPos >= 0 || mr.RowsPerMatch != RowsOneRow {
		fmt.Fprintf(&b, " rows=%s", mr.RowsPerMatch)
	}
	if mr.Skip.Pos >= 0 || mr.Skip.Kind != SkipPastLastRow {
		fmt.Fprintf(&b, " skip=%s", strings.TrimPrefix(mr.Skip.String(), "AFTER MATCH "))
	}
	fmt.Fprintf(&b, " pat=%s", mr.Pattern)
	if mr.WithinPos >= 0 {
		fmt.Fprintf(&b, " within=%s", mr.Within)
	}
	parts = nil
	for _, s := range mr.Subsets {
		var vars []string
		for _, v := range s.Vars {
			vars = append(vars, v.String())
		}
		parts = append(parts, s.Name.String()+"=("+strings.Join(vars, ",")+")")
	}
	if parts != nil {
		fmt.Fprintf(&b, " subset=[%s]", strings.Join(parts, ", "))
	}
	parts = nil
	for _, d := range mr.Define {
		parts = append(parts, d.Var.String()+"="+exprText(d.Cond))
	}
	if parts != nil {
		fmt.Fprintf(&b, " def=[%s]", strings.Join(parts, ", "))
	}
	if mr.Alias != "" {
		fmt.Fprintf(&b, " alias=%s", mr.Alias)
	}
	return b.String()
}

const briefExample = `SELECT * FROM chat_messages
MATCH_RECOGNIZE (
  PARTITION BY username
  ORDER BY event_time
  MEASURES FIRST(A.event_time) AS first_at, LAST(A.event_time) AS last_at, COUNT(A.*) AS n,
           FINAL AVG(A.price) AS avg_price, RUNNING LAST(B.x) AS lx, CLASSIFIER() AS cls, MATCH_NUMBER() AS mno,
           MATCH_TIMED_OUT() AS timed_out
  ONE ROW PER MATCH SHOW TIMEOUT MATCHES
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A{5,} B?? (C | D)+ PERMUTE(E, F) () G*? H{2,3}? I{,4} J{3})
  WITHIN INTERVAL '10' SECOND
  SUBSET U = (A, B)
  DEFINE A AS type = 'USER_MESSAGE', B AS B.price < PREV(B.price, 2) AND A.x > 0
) AS t
WHERE n > 1`

func TestMatchRecognizeClauses(t *testing.T) {
	const pat = " PATTERN (A B)"
	tests := []struct {
		name, clause, want string
	}{
		{"pattern only", pat, "in=s pat=(A B)"},
		{"partition and order", "PARTITION BY username, LOWER(room) ORDER BY event_time" + pat,
			"in=s part=[username, LOWER(room)] order=[event_time] pat=(A B)"},
		{"order directions", "ORDER BY event_time ASC, seq DESC, CAST(x AS STRING) desc" + pat,
			"in=s order=[event_time, seq DESC, CHATSQL_CAST(x , 'STRING') DESC] pat=(A B)"},
		{"measures", "MEASURES FIRST(A.ts) AS f, LAST(A.ts, 1) AS l, PREV(A.x) AS p, NEXT(A.x, 2) AS nx, A.x + 1 AS `x 1`" + pat,
			"in=s meas=[f=CHATSQL_FIRST(A.ts), l=CHATSQL_LAST(A.ts, 1), p=CHATSQL_PREV(A.x), nx=CHATSQL_NEXT(A.x, 2), x 1=A.x + 1] pat=(A B)"},
		{"running and final", "MEASURES RUNNING COUNT(A.*) AS c, FINAL LAST(A.x) AS l, final count(*) AS n, RUNNING /* c */ SUM(B.x) + 1 AS s" + pat,
			"in=s meas=[c=CHATSQL_RUNNING(COUNT(CHATSQL_VAR_STAR('A'))), l=CHATSQL_FINAL(CHATSQL_LAST(A.x)), n=CHATSQL_FINAL(count(*)), s=CHATSQL_RUNNING(SUM(B.x)) + 1] pat=(A B)"},
		{"classifier, match number, timed out", "MEASURES CLASSIFIER() AS c, match_number() AS m, MATCH_TIMED_OUT() AS o" + pat,
			"in=s meas=[c=CHATSQL_CLASSIFIER(), m=CHATSQL_MATCH_NUMBER(), o=CHATSQL_MATCH_TIMED_OUT()] pat=(A B)"},
		{"var star", "MEASURES COUNT(A.*) AS a, COUNT(DISTINCT `b`.*) AS b, COUNT(*) AS n, f(A.*, B.*) AS f" + pat,
			"in=s meas=[a=COUNT(CHATSQL_VAR_STAR('A')), b=COUNT(DISTINCT CHATSQL_VAR_STAR('b')), n=COUNT(*), f=f(CHATSQL_VAR_STAR('A'), CHATSQL_VAR_STAR('B'))] pat=(A B)"},
		{"nested MR functions", "MEASURES PREV(LAST(A.x, 1), 2) AS p, TRANSLATE(LAST(A.text), 'es') AS tr" + pat,
			"in=s meas=[p=CHATSQL_PREV(CHATSQL_LAST(A.x, 1), 2), tr=CHATSQL_TRANSLATE(CHATSQL_LAST(A.text), 'es')] pat=(A B)"},
		{"one row", "ONE ROW PER MATCH" + pat, "in=s rows=ONE ROW PER MATCH pat=(A B)"},
		{"one row show timeout", "ONE ROW PER MATCH SHOW TIMEOUT MATCHES" + pat, "in=s rows=ONE ROW PER MATCH SHOW TIMEOUT MATCHES pat=(A B)"},
		{"all rows", "ALL ROWS PER MATCH" + pat, "in=s rows=ALL ROWS PER MATCH pat=(A B)"},
		{"all rows show empty", "all rows per match show empty matches" + pat, "in=s rows=ALL ROWS PER MATCH pat=(A B)"},
		{"all rows omit empty", "ALL ROWS PER MATCH OMIT EMPTY MATCHES" + pat, "in=s rows=ALL ROWS PER MATCH OMIT EMPTY MATCHES pat=(A B)"},
		{"all rows with unmatched", "ALL ROWS PER MATCH WITH UNMATCHED ROWS" + pat, "in=s rows=ALL ROWS PER MATCH WITH UNMATCHED ROWS pat=(A B)"},
		{"skip past last row", "AFTER MATCH SKIP PAST LAST ROW" + pat, "in=s skip=SKIP PAST LAST ROW pat=(A B)"},
		{"skip to next row", "AFTER MATCH SKIP TO NEXT ROW" + pat, "in=s skip=SKIP TO NEXT ROW pat=(A B)"},
		{"skip to first", "AFTER MATCH SKIP TO FIRST B" + pat, "in=s skip=SKIP TO FIRST B pat=(A B)"},
		{"skip to last", "AFTER MATCH SKIP TO LAST B" + pat, "in=s skip=SKIP TO LAST B pat=(A B)"},
		{"skip to v", "AFTER MATCH SKIP TO B" + pat, "in=s skip=SKIP TO LAST B pat=(A B)"},
		{"skip to quoted keyword", "AFTER MATCH SKIP TO `next`" + pat, "in=s skip=SKIP TO LAST next pat=(A B)"},
		{"within", pat + " WITHIN INTERVAL '10' SECOND", "in=s pat=(A B) within=10s"},
		{"subsets", pat + " SUBSET U = (A, B), V = (B)", "in=s pat=(A B) subset=[U=(A,B), V=(B)]"},
		{"define", pat + " DEFINE A AS type = 'USER_MESSAGE', B AS B.price < PREV(B.price, 2) AND A.x > 0",
			"in=s pat=(A B) def=[A=type = 'USER_MESSAGE', B=B.price < CHATSQL_PREV(B.price, 2) AND A.x > 0]"},
		{"define with classifier and subquery-free nesting", pat + " DEFINE A AS CLASSIFIER() = 'A' AND (a, b) IN ((1, 2))",
			"in=s pat=(A B) def=[A=CHATSQL_CLASSIFIER() = 'A' AND (a, b) IN ((1, 2))]"},
		{"define without DEFINE-only lifts leaking", "PARTITION BY last, first ORDER BY next" + pat + " DEFINE A AS last > 0",
			"in=s part=[last, first] order=[next] pat=(A B) def=[A=last > 0]"},
		{"every clause", "PARTITION BY u ORDER BY ts MEASURES A.x AS x ALL ROWS PER MATCH AFTER MATCH SKIP TO FIRST B" + pat +
			" WITHIN INTERVAL '2' MINUTE SUBSET U = (A) DEFINE A AS true",
			"in=s part=[u] order=[ts] meas=[x=A.x] rows=ALL ROWS PER MATCH skip=SKIP TO FIRST B pat=(A B) within=2m0s subset=[U=(A)] def=[A=true]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, mr := mrQuery(t, "SELECT * FROM s MATCH_RECOGNIZE ("+tc.clause+")")
			if got := summary(mr); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMatchRecognizeBriefExample(t *testing.T) {
	q, mr := mrQuery(t, briefExample)
	if q.Rewritten != "SELECT * FROM chatsql_mr_1 AS t\nWHERE n > 1" {
		t.Errorf("rewritten: %q", q.Rewritten)
	}
	want := "in=chat_messages part=[username] order=[event_time] meas=[first_at=CHATSQL_FIRST(A.event_time), " +
		"last_at=CHATSQL_LAST(A.event_time), n=COUNT(CHATSQL_VAR_STAR('A')), avg_price=CHATSQL_FINAL(AVG(A.price)), " +
		"lx=CHATSQL_RUNNING(CHATSQL_LAST(B.x)), cls=CHATSQL_CLASSIFIER(), mno=CHATSQL_MATCH_NUMBER(), timed_out=CHATSQL_MATCH_TIMED_OUT()] " +
		"rows=ONE ROW PER MATCH SHOW TIMEOUT MATCHES skip=SKIP PAST LAST ROW " +
		"pat=(A{5,} B?? (C|D)+ PERMUTE(E, F) () G*? H{2,3}? I{,4} J{3}) within=10s subset=[U=(A,B)] " +
		"def=[A=type = 'USER_MESSAGE', B=B.price < CHATSQL_PREV(B.price, 2) AND A.x > 0] alias=t"
	if got := summary(mr); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// Positions point at the user's text.
	src := q.Src.Text
	at := func(what string, off int, prefix string) {
		t.Helper()
		if off < 0 || off > len(src) || !strings.HasPrefix(src[off:], prefix) {
			t.Errorf("%s at %d: %q, want %q", what, off, src[max(0, off):min(len(src), max(0, off)+20)], prefix)
		}
	}
	at("Pos", mr.Pos, "MATCH_RECOGNIZE (")
	if !strings.HasSuffix(src[:mr.End], "> 0\n)") {
		t.Errorf("End at %d: %q", mr.End, src[mr.End-5:mr.End])
	}
	at("Input.Pos", mr.Input.Pos, "chat_messages")
	at("Input.Name.Pos", mr.Input.Name.Pos, "chat_messages")
	at("PartitionBy", mr.PartitionBy[0].Start, "username\n")
	at("OrderBy", mr.OrderBy[0].Pos, "event_time\n")
	at("Measures[0]", mr.Measures[0].Expr.Start, "FIRST(A.event_time) AS")
	at("Measures[0].Alias", mr.Measures[0].Alias.Pos, "first_at")
	at("Measures[3]", mr.Measures[3].Expr.Start, "FINAL AVG")
	at("RowsPos", mr.RowsPos, "ONE ROW")
	at("PatternPos", mr.PatternPos, "PATTERN (")
	at("Pattern", mr.Pattern.PatPos(), "A{5,}")
	at("WithinPos", mr.WithinPos, "WITHIN INTERVAL")
	at("Subset", mr.Subsets[0].Name.Pos, "U = (A, B)")
	at("Subset var", mr.Subsets[0].Vars[1].Pos, "B)")
	at("Define var", mr.Define[1].Var.Pos, "B AS B.price")
	at("Define cond", mr.Define[1].Cond.Start, "B.price < PREV")
	if e := mr.Define[1].Cond; src[e.Start:e.End] != "B.price < PREV(B.price, 2) AND A.x > 0" {
		t.Errorf("define text %q", src[e.Start:e.End])
	}
	if mr.Skip.Pos < 0 {
		t.Error("Skip.Pos not set")
	}
	at("Skip", mr.Skip.Pos, "AFTER MATCH")
	// TiDB sees the alias on the placeholder table.
	ts := q.Stmt.(*ast.SelectStmt).From.TableRefs.Left.(*ast.TableSource)
	if ts.Source.(*ast.TableName).Name.O != "chatsql_mr_1" || ts.AsName.O != "t" {
		t.Errorf("TiDB's table source: %s AS %s", ts.Source.(*ast.TableName).Name.O, ts.AsName.O)
	}
}

func TestMatchRecognizeDefaults(t *testing.T) {
	_, mr := mrQuery(t, "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A))")
	if mr.RowsPerMatch != RowsOneRow || mr.RowsPos != -1 || mr.Skip.Kind != SkipPastLastRow || mr.Skip.Pos != -1 ||
		mr.Within != 0 || mr.WithinPos != -1 || mr.Define != nil || mr.Alias != "" || mr.Measures != nil {
		t.Errorf("defaults: %+v", mr)
	}
}

// mrDocExamples are the examples of Flink's and Oracle's documentation
// (and ours), with the summary of their clause.
var mrDocExamples = []struct{ name, sql, want string }{
	{"Flink ticker", `SELECT *
FROM Ticker
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            START_ROW.rowtime AS start_tstamp,
            LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,
            LAST(PRICE_UP.rowtime) AS end_tstamp
        ONE ROW PER MATCH
        AFTER MATCH SKIP TO LAST PRICE_UP
        PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
        DEFINE
            PRICE_DOWN AS
                (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
                    PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
            PRICE_UP AS
                PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
    ) MR;`, "in=Ticker part=[symbol] order=[rowtime] meas=[start_tstamp=START_ROW.rowtime, bottom_tstamp=CHATSQL_LAST(PRICE_DOWN.rowtime), " +
		"end_tstamp=CHATSQL_LAST(PRICE_UP.rowtime)] rows=ONE ROW PER MATCH skip=SKIP TO LAST PRICE_UP pat=(START_ROW PRICE_DOWN+ PRICE_UP) " +
		"def=[PRICE_DOWN=(CHATSQL_LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR\n                    " +
		"PRICE_DOWN.price < CHATSQL_LAST(PRICE_DOWN.price, 1), PRICE_UP=PRICE_UP.price > CHATSQL_LAST(PRICE_DOWN.price, 1)] alias=MR"},
	{"Flink aggregations", `SELECT *
FROM Ticker
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            FIRST(A.rowtime) AS start_tstamp,
            LAST(A.rowtime) AS end_tstamp,
            AVG(A.price) AS avgPrice
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A+ B)
        DEFINE
            A AS AVG(A.price) < 15
    ) MR`, "in=Ticker part=[symbol] order=[rowtime] meas=[start_tstamp=CHATSQL_FIRST(A.rowtime), end_tstamp=CHATSQL_LAST(A.rowtime), " +
		"avgPrice=AVG(A.price)] rows=ONE ROW PER MATCH skip=SKIP PAST LAST ROW pat=(A+ B) def=[A=AVG(A.price) < 15] alias=MR"},
	{"Flink time constraint", `SELECT *
FROM Ticker
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            C.rowtime AS dropTime,
            A.price - C.price AS dropDiff
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B* C) WITHIN INTERVAL '1' HOUR
        DEFINE
            B AS B.price > A.price - 10,
            C AS C.price < A.price - 10
    )`, "in=Ticker part=[symbol] order=[rowtime] meas=[dropTime=C.rowtime, dropDiff=A.price - C.price] rows=ONE ROW PER MATCH " +
		"skip=SKIP PAST LAST ROW pat=(A B* C) within=1h0m0s def=[B=B.price > A.price - 10, C=C.price < A.price - 10]"},
	{"Flink reluctant and MATCH_ROWTIME", `SELECT * FROM Ticker MATCH_RECOGNIZE (
        PARTITION BY symbol ORDER BY rowtime
        MEASURES FIRST(A.price) AS startPrice, LAST(A.price) AS topPrice, B.price AS lastPrice, MATCH_ROWTIME() AS rt
        PATTERN (A+? B)
        DEFINE A AS LAST(A.price, 1) IS NULL OR A.price > LAST(A.price, 1), B AS B.price < LAST(A.price)) AS T`,
		"in=Ticker part=[symbol] order=[rowtime] meas=[startPrice=CHATSQL_FIRST(A.price), topPrice=CHATSQL_LAST(A.price), " +
			"lastPrice=B.price, rt=MATCH_ROWTIME()] pat=(A+? B) def=[A=CHATSQL_LAST(A.price, 1) IS NULL OR A.price > CHATSQL_LAST(A.price, 1), " +
			"B=B.price < CHATSQL_LAST(A.price)] alias=T"},
	{"Oracle V shape", `SELECT *
FROM Ticker MATCH_RECOGNIZE (
     PARTITION BY symbol
     ORDER BY tstamp
     MEASURES  STRT.tstamp AS start_tstamp,
               LAST(DOWN.tstamp) AS bottom_tstamp,
               LAST(UP.tstamp) AS end_tstamp
     ONE ROW PER MATCH
     AFTER MATCH SKIP TO LAST UP
     PATTERN (STRT DOWN+ UP+)
     DEFINE
        DOWN AS DOWN.price < PREV(DOWN.price),
        UP AS UP.price > PREV(UP.price)
     ) MR
ORDER BY MR.symbol, MR.start_tstamp`, "in=Ticker part=[symbol] order=[tstamp] meas=[start_tstamp=STRT.tstamp, bottom_tstamp=CHATSQL_LAST(DOWN.tstamp), " +
		"end_tstamp=CHATSQL_LAST(UP.tstamp)] rows=ONE ROW PER MATCH skip=SKIP TO LAST UP pat=(STRT DOWN+ UP+) " +
		"def=[DOWN=DOWN.price < CHATSQL_PREV(DOWN.price), UP=UP.price > CHATSQL_PREV(UP.price)] alias=MR"},
	{"Oracle all rows with running and final", `SELECT * FROM Ticker MATCH_RECOGNIZE (
     PARTITION BY symbol
     ORDER BY tstamp
     MEASURES  MATCH_NUMBER() AS match_num,
               CLASSIFIER() AS var_match,
               FINAL COUNT(UP.tstamp) AS up_days,
               FINAL COUNT(tstamp) AS total_days,
               RUNNING COUNT(tstamp) AS cnt_days,
               price - STRT.price AS price_dif
     ALL ROWS PER MATCH
     AFTER MATCH SKIP TO LAST UP
     PATTERN (STRT DOWN+ UP+ DOWN+ UP+)
     DEFINE
        DOWN AS DOWN.price < PREV(DOWN.price),
        UP AS UP.price > PREV(UP.price)
     ) MR
ORDER BY symbol, match_num, tstamp`, "in=Ticker part=[symbol] order=[tstamp] meas=[match_num=CHATSQL_MATCH_NUMBER(), var_match=CHATSQL_CLASSIFIER(), " +
		"up_days=CHATSQL_FINAL(COUNT(UP.tstamp)), total_days=CHATSQL_FINAL(COUNT(tstamp)), cnt_days=CHATSQL_RUNNING(COUNT(tstamp)), " +
		"price_dif=price - STRT.price] rows=ALL ROWS PER MATCH skip=SKIP TO LAST UP pat=(STRT DOWN+ UP+ DOWN+ UP+) " +
		"def=[DOWN=DOWN.price < CHATSQL_PREV(DOWN.price), UP=UP.price > CHATSQL_PREV(UP.price)] alias=MR"},
	{"Oracle subsets and bounded quantifiers", `SELECT * FROM Ticker MATCH_RECOGNIZE (
     PARTITION BY symbol
     ORDER BY tstamp
     MEASURES STRT.tstamp AS strt_time, AVG(STDN.price) AS avgdown
     ONE ROW PER MATCH
     AFTER MATCH SKIP TO NEXT ROW
     PATTERN (STRT B{2} C{1,3} DOWN{2,}? UP*)
     SUBSET STDN = (STRT, DOWN), STUP = (STRT, UP)
     DEFINE
        DOWN AS DOWN.price < PREV(DOWN.price),
        UP AS UP.price > PREV(UP.price)
     ) MR`, "in=Ticker part=[symbol] order=[tstamp] meas=[strt_time=STRT.tstamp, avgdown=AVG(STDN.price)] rows=ONE ROW PER MATCH " +
		"skip=SKIP TO NEXT ROW pat=(STRT B{2} C{1,3} DOWN{2,}? UP*) subset=[STDN=(STRT,DOWN), STUP=(STRT,UP)] " +
		"def=[DOWN=DOWN.price < CHATSQL_PREV(DOWN.price), UP=UP.price > CHATSQL_PREV(UP.price)] alias=MR"},
	{"user joined and sent nothing", `SELECT username, joined_at FROM chat_messages MATCH_RECOGNIZE (
  PARTITION BY username ORDER BY event_time
  MEASURES J.event_time AS joined_at, MATCH_TIMED_OUT() AS silent
  ONE ROW PER MATCH SHOW TIMEOUT MATCHES
  PATTERN (J M)
  WITHIN INTERVAL '2' MINUTES
  DEFINE J AS J.type = 'USER_JOINED', M AS M.type = 'USER_MESSAGE'
) WHERE silent`, "in=chat_messages part=[username] order=[event_time] meas=[joined_at=J.event_time, silent=CHATSQL_MATCH_TIMED_OUT()] " +
		"rows=ONE ROW PER MATCH SHOW TIMEOUT MATCHES pat=(J M) within=2m0s def=[J=J.type = 'USER_JOINED', M=M.type = 'USER_MESSAGE']"},
	{"no DEFINE", "SELECT * FROM s MATCH_RECOGNIZE (ORDER BY ts PATTERN (A B* C)) x", "in=s order=[ts] pat=(A B* C) alias=x"},
}

func TestMatchRecognizeDocExamples(t *testing.T) {
	for _, tc := range mrDocExamples {
		t.Run(tc.name, func(t *testing.T) {
			_, mr := mrQuery(t, tc.sql)
			if got := summary(mr); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestMatchRecognizeInputs covers what the clause reads and where it may
// stand.
func TestMatchRecognizeInputs(t *testing.T) {
	const clause = " MATCH_RECOGNIZE (PATTERN (A))"
	tests := []struct {
		name, sql, rewritten, input, alias string
	}{
		{"view", "SELECT * FROM recent_messages" + clause + " v", "SELECT * FROM chatsql_mr_1 v", "recent_messages", "v"},
		{"qualified", "SELECT * FROM lake.chat.`messages`" + clause, "SELECT * FROM chatsql_mr_1", "lake.chat.messages", ""},
		{"subquery", "SELECT * FROM (SELECT username, event_time FROM chat_messages WHERE type = 'x')" + clause + " AS m",
			"SELECT * FROM chatsql_mr_1 AS m", "(SELECT username, event_time FROM chat_messages WHERE type = 'x')", "m"},
		{"union subquery", "SELECT * FROM ((SELECT a FROM s) UNION ALL (SELECT a FROM t))" + clause,
			"SELECT * FROM chatsql_mr_1", "((SELECT a FROM s) UNION ALL (SELECT a FROM t))", ""},
		{"join", "SELECT * FROM users u JOIN s" + clause + " AS m ON u.name = m.name",
			"SELECT * FROM users u JOIN chatsql_mr_1 AS m ON u.name = m.name", "s", "m"},
		{"comma join", "SELECT * FROM users u, s" + clause + " m", "SELECT * FROM users u, chatsql_mr_1 m", "s", "m"},
		{"parenthesised", "SELECT * FROM (s" + clause + " m)", "SELECT * FROM (chatsql_mr_1 m)", "s", "m"},
		{"in a CTE", "WITH c AS (SELECT * FROM s" + clause + " x) SELECT * FROM c", "WITH c AS (SELECT * FROM chatsql_mr_1 x) SELECT * FROM c", "s", "x"},
		{"in a WHERE subquery", "SELECT * FROM u WHERE EXISTS (SELECT 1 FROM s" + clause + ")",
			"SELECT * FROM u WHERE EXISTS (SELECT 1 FROM chatsql_mr_1)", "s", ""},
		{"in a view", "CREATE VIEW v AS SELECT * FROM s" + clause, "SELECT * FROM chatsql_mr_1", "s", ""},
		{"in a sink", "CREATE SINK k WITH ('connector' = 'print') AS SELECT * FROM s" + clause, "SELECT * FROM chatsql_mr_1", "s", ""},
		{"in an insert", "INSERT INTO t SELECT * FROM s" + clause, "SELECT * FROM chatsql_mr_1", "s", ""},
		{"lowercase", "select * from s match_recognize (pattern (a)) as x", "select * from chatsql_mr_1 as x", "s", "x"},
		{"comments", "SELECT * FROM s /* c */ MATCH_RECOGNIZE ( -- c\n PATTERN (A) ) x", "SELECT * FROM chatsql_mr_1 x", "s", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, mr := mrQuery(t, tc.sql)
			if q.Rewritten != tc.rewritten {
				t.Errorf("rewritten %q, want %q", q.Rewritten, tc.rewritten)
			}
			in := ""
			if mr.Input.Name != nil {
				in = mr.Input.Name.String()
			} else {
				in = q.Src.Text[mr.Input.Pos:mr.Pos]
				in = strings.TrimSpace(in)
				if mr.Input.Query == nil || mr.Input.Query.Stmt == nil {
					t.Fatal("subquery input not parsed")
				}
			}
			if in != tc.input {
				t.Errorf("input %q, want %q", in, tc.input)
			}
			if mr.Alias != tc.alias {
				t.Errorf("alias %q, want %q", mr.Alias, tc.alias)
			}
		})
	}
}

func TestMatchRecognizeSeveral(t *testing.T) {
	sql := "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A)) a JOIN (SELECT * FROM t MATCH_RECOGNIZE (PATTERN (B)) x) " +
		"MATCH_RECOGNIZE (PATTERN (C)) c ON a.k = c.k"
	st, err := ParseStatement(diag.NewSource("x", sql))
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	q := st.(*QueryStmt).Query
	if q.Rewritten != "SELECT * FROM chatsql_mr_1 a JOIN chatsql_mr_2 c ON a.k = c.k" {
		t.Errorf("rewritten %q", q.Rewritten)
	}
	if len(q.MatchRecognize) != 2 || q.MatchRecognize["chatsql_mr_1"].Pattern.String() != "A" || q.MatchRecognize["chatsql_mr_2"].Pattern.String() != "C" {
		t.Fatalf("clauses %v", q.MatchRecognize)
	}
	// The clause inside the second one's input belongs to that subquery.
	in := q.MatchRecognize["chatsql_mr_2"].Input.Query
	if in == nil || in.Rewritten != "SELECT * FROM chatsql_mr_1 x" || in.MatchRecognize["chatsql_mr_1"].Pattern.String() != "B" ||
		in.MatchRecognize["chatsql_mr_1"].Alias != "x" {
		t.Errorf("nested input %+v", in)
	}
	if q.Offset(len("SELECT * FROM chatsql_mr_1 a JOIN ")) != strings.Index(sql, "(SELECT") {
		t.Error("second placeholder does not map to its input")
	}
}

// TestPatterns pins the shape of patterns through their canonical form
// and checks that the form parses back to itself.
func TestPatterns(t *testing.T) {
	tests := []struct{ in, want string }{
		{"A", "A"},
		{"A B C", "(A B C)"},
		{"A | B | C", "(A|B|C)"},
		{"A B | C D", "((A B)|(C D))"},
		{"(A B) C", "((A B) C)"},
		{"((A))", "A"},
		{"(A | B)+", "(A|B)+"},
		{"A* B+ C? D{2} E{2,} F{2,3} G{,4} H{,}", "(A* B+ C? D{2} E{2,} F{2,3} G{,4} H*)"},
		{"A*? B+? C?? D{2}? E{2,}? F{2,3}? G{,4}?", "(A*? B+? C?? D{2}? E{2,}? F{2,3}? G{,4}?)"},
		{"A{0,1} B{1,} C{0,} D{0} E{0,0}", "(A? B+ C* D{0} E{0})"},
		{"A {5 , } B", "(A{5,} B)"},
		{"A{5,}B??(C|D)+PERMUTE(E,F)()G*?", "(A{5,} B?? (C|D)+ PERMUTE(E, F) () G*?)"},
		{"PERMUTE(A, B C, D | E)", "PERMUTE(A, (B C), (D|E))"},
		{"permute (A)*", "PERMUTE(A)*"},
		{"PERMUTE A", "(`PERMUTE` A)"},
		{"(A+)*", "(A+)*"},
		{"()*", "()*"},
		{"`weird name` `x``y` _a1", "(`weird name` `x``y` _a1)"},
		{"START_ROW PRICE_DOWN+ PRICE_UP", "(START_ROW PRICE_DOWN+ PRICE_UP)"},
		{"a /* comment */ b", "(a b)"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n, err := ParsePattern(tc.in)
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			if got := n.String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			again, err := ParsePattern(n.String())
			if err != nil {
				t.Fatalf("canonical form %s does not parse: %v", n, err)
			}
			if again.String() != n.String() {
				t.Errorf("round trip: %s became %s", n, again)
			}
		})
	}
}

func TestPatternShape(t *testing.T) {
	n, err := ParsePattern("A{5,} B?? (C | D)+ PERMUTE(E, F) () G*?")
	if err != nil {
		t.Fatal(err)
	}
	c := n.(*PatConcat)
	if len(c.Items) != 6 || c.Pos != 0 {
		t.Fatalf("concat %+v", c)
	}
	q := c.Items[0].(*PatQuant)
	if q.Item.(*PatVar).Name != "A" || q.Min != 5 || q.Max != -1 || !q.Greedy || q.Pos != 1 {
		t.Errorf("A{5,} = %+v", q)
	}
	q = c.Items[1].(*PatQuant)
	if q.Item.(*PatVar).Pos != 6 || q.Min != 0 || q.Max != 1 || q.Greedy || q.Pos != 7 {
		t.Errorf("B?? = %+v", q)
	}
	q = c.Items[2].(*PatQuant)
	alt := q.Item.(*PatAlt)
	if len(alt.Items) != 2 || alt.Items[1].(*PatVar).Name != "D" || alt.Pos != 11 || q.Min != 1 || q.Max != -1 {
		t.Errorf("(C | D)+ = %+v %+v", q, alt)
	}
	perm := c.Items[3].(*PatPermute)
	if len(perm.Items) != 2 || perm.Pos != 19 {
		t.Errorf("PERMUTE = %+v", perm)
	}
	if e := c.Items[4].(*PatEmpty); e.Pos != 33 {
		t.Errorf("() at %d", e.Pos)
	}
	q = c.Items[5].(*PatQuant)
	if q.Min != 0 || q.Max != -1 || q.Greedy {
		t.Errorf("G*? = %+v", q)
	}
	// Names keep their case; SQL compares them case-insensitively.
	n, _ = ParsePattern("price_Up")
	if v := n.(*PatVar); v.Name != "price_Up" || !strings.EqualFold(v.Name, "PRICE_UP") {
		t.Errorf("name %q", v.Name)
	}
}

func TestPatternErrors(t *testing.T) {
	tests := []struct {
		in   string
		col  int
		kind diag.Kind
		msg  string
	}{
		{"A{5,2}", 2, diag.Syntax, "upper bound is below"},
		{"A{x}", 3, diag.Syntax, "expected a number"},
		{"A{}", 3, diag.Syntax, "expected a number"},
		{"A{-1}", 3, diag.Syntax, "expected a number"},
		{"A{1.5}", 3, diag.Syntax, "not a whole number"},
		{"A{99999999999999999999}", 3, diag.Syntax, "too large"},
		{"A{2", 4, diag.Syntax, "expected a number, ',' or '}'"},
		{"A**", 3, diag.Syntax, "one quantifier"},
		{"A???", 4, diag.Syntax, "one quantifier"},
		{"A{2}{3}", 5, diag.Syntax, "one quantifier"},
		{"+A", 1, diag.Syntax, "nothing to repeat"},
		{"A |", 4, diag.Syntax, "expected a pattern variable"},
		{"| A", 1, diag.Syntax, "expected a pattern before"},
		{"A || B", 3, diag.Syntax, "expected a pattern between"},
		{"(A B", 5, diag.Syntax, "expected ')' or '|'"},
		{"A B)", 4, diag.Syntax, "no '(' to close"},
		{"A, B", 2, diag.Syntax, "expected '|' or the end"},
		{"PERMUTE(A B", 12, diag.Syntax, "PERMUTE"},
		{"^A", 1, diag.Unsupported, "anchor"},
		{"A B$", 3, diag.Unsupported, "not a pattern variable"},
		{"{- A -} B", 1, diag.Unsupported, "exclusion"},
		{"A 'b'", 3, diag.Syntax, "expected '|' or the end"},
		{"", 1, diag.Syntax, "expected a pattern variable"},
		{"A DEFINE", 3, diag.Syntax, "expected '|' or the end"},
		{"``", 1, diag.Syntax, "empty pattern variable"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParsePattern(tc.in)
			var d *diag.Error
			if !errors.As(err, &d) {
				t.Fatalf("err = %v, want a *diag.Error", err)
			}
			if d.Pos.Col != tc.col || d.Kind != tc.kind || !strings.Contains(d.Msg, tc.msg) {
				t.Errorf("got %v at col %d: %s; want %v at col %d: ...%s...", d.Kind, d.Pos.Col, d.Msg, tc.kind, tc.col, tc.msg)
			}
		})
	}
}

// mrMistakes are MATCH_RECOGNIZE errors users make: each points at
// line:column of the original text, with a hint. They also seed the fuzzer.
var mrMistakes = []struct {
	name      string
	sql       string
	kind      diag.Kind
	line, col int
	msg, hint string // substrings
}{
	{"missing PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (\n  ORDER BY ts\n  DEFINE A AS x > 1\n)", diag.Syntax, 3, 3, "needs a PATTERN", "before DEFINE"},
	{"missing PATTERN, nothing else", "SELECT * FROM s MATCH_RECOGNIZE (ORDER BY ts)", diag.Syntax, 1, 45, "needs a PATTERN", "before the closing ')'"},
	{"empty clause", "SELECT * FROM s MATCH_RECOGNIZE ()", diag.Syntax, 1, 34, "needs a PATTERN", ""},
	{"misspelled PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (PATERN (A))", diag.Syntax, 1, 34, "expected PATTERN", "did you mean PATTERN?"},
	{"PATTERN without parens", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN A B)", diag.Syntax, 1, 42, "expected '(' after PATTERN", ""},
	{"empty PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN ())", diag.Syntax, 1, 43, "empty PATTERN", "PATTERN (A B+ C)"},
	{"unclosed group in PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (\n  PATTERN ((A B)\n  DEFINE A AS x > 1\n)", diag.Syntax, 2, 11, "never closed", "before DEFINE"},
	{"unclosed inner group in PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A (B C DEFINE A AS x > 1)", diag.Syntax, 1, 45, "never closed", "before DEFINE"},
	{"PATTERN not closed", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A B DEFINE A AS x > 1))", diag.Syntax, 1, 47, "close PATTERN before DEFINE", "add ')'"},
	{"extra paren after PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A B)) DEFINE A AS x > 1)", diag.Syntax, 1, 47, "extra ')'", "remove it"},
	{"bad quantifier bounds", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A{5,2} B))", diag.Syntax, 1, 44, "upper bound is below", "{2,5}"},
	{"bad quantifier word", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A{x}))", diag.Syntax, 1, 45, "bad quantifier", "{n,m}"},
	{"measure without AS", "SELECT * FROM s MATCH_RECOGNIZE (\n  MEASURES LAST(A.ts) last_ts\n  PATTERN (A))", diag.Syntax, 2, 23, "missing AS", "LAST(A.ts) AS last_ts"},
	{"measure without name", "SELECT * FROM s MATCH_RECOGNIZE (MEASURES LAST(A.ts) + 1, A.x AS x PATTERN (A))", diag.Syntax, 1, 57, "expected AS and a name", "every measure is named"},
	{"measure AS without name", "SELECT * FROM s MATCH_RECOGNIZE (MEASURES A.x AS PATTERN (A))", diag.Syntax, 1, 50, "measure's name", ""},
	{"trailing comma in measures", "SELECT * FROM s MATCH_RECOGNIZE (MEASURES A.x AS x, PATTERN (A))", diag.Syntax, 1, 51, "trailing ','", "remove"},
	{"empty PARTITION BY", "SELECT * FROM s MATCH_RECOGNIZE (PARTITION BY ORDER BY ts PATTERN (A))", diag.Syntax, 1, 47, "expected an expression after PARTITION BY", ""},
	{"unknown SKIP form", "SELECT * FROM s MATCH_RECOGNIZE (AFTER MATCH SKIP FORWARD PATTERN (A))", diag.Syntax, 1, 51, "unknown AFTER MATCH SKIP form", "SKIP PAST LAST ROW"},
	{"SKIP PAST FIRST ROW", "SELECT * FROM s MATCH_RECOGNIZE (AFTER MATCH SKIP PAST FIRST ROW PATTERN (A))", diag.Syntax, 1, 56, "unknown AFTER MATCH SKIP form", ""},
	{"SKIP TO NEXT without ROW", "SELECT * FROM s MATCH_RECOGNIZE (AFTER MATCH SKIP TO NEXT PATTERN (A))", diag.Syntax, 1, 59, "expected ROW", "SKIP TO NEXT ROW"},
	{"SKIP TO LAST ROW", "SELECT * FROM s MATCH_RECOGNIZE (AFTER MATCH SKIP TO LAST ROW PATTERN (A))", diag.Syntax, 1, 54, "takes a pattern variable", "SKIP PAST LAST ROW"},
	{"SKIP TO FIRST nothing", "SELECT * FROM s MATCH_RECOGNIZE (AFTER MATCH SKIP TO FIRST PATTERN (A))", diag.Syntax, 1, 60, "expected a pattern variable", ""},
	{"SKIP without MATCH", "SELECT * FROM s MATCH_RECOGNIZE (AFTER SKIP PAST LAST ROW PATTERN (A))", diag.Syntax, 1, 40, "expected MATCH after AFTER", ""},
	{"ONE ROWS", "SELECT * FROM s MATCH_RECOGNIZE (ONE ROWS PER MATCH PATTERN (A))", diag.Syntax, 1, 38, "expected ROW after ONE", "did you mean ROW?"},
	{"ALL ROW", "SELECT * FROM s MATCH_RECOGNIZE (ALL ROW PER MATCH PATTERN (A))", diag.Syntax, 1, 38, "expected ROWS after ALL", "did you mean ROWS?"},
	{"ONE ROW with SHOW EMPTY MATCHES", "SELECT * FROM s MATCH_RECOGNIZE (ONE ROW PER MATCH SHOW EMPTY MATCHES PATTERN (A))", diag.Syntax, 1, 52, "goes with ALL ROWS PER MATCH", "ALL ROWS PER MATCH SHOW EMPTY MATCHES"},
	{"ONE ROW with UNMATCHED ROWS", "SELECT * FROM s MATCH_RECOGNIZE (ONE ROW PER MATCH WITH UNMATCHED ROWS PATTERN (A))", diag.Syntax, 1, 52, "WITH UNMATCHED ROWS goes with ALL", ""},
	{"ALL ROWS with SHOW TIMEOUT", "SELECT * FROM s MATCH_RECOGNIZE (ALL ROWS PER MATCH SHOW TIMEOUT MATCHES PATTERN (A))", diag.Syntax, 1, 53, "goes with ONE ROW PER MATCH", ""},
	{"ROWS PER without MATCH", "SELECT * FROM s MATCH_RECOGNIZE (ONE ROW PER PATTERN (A))", diag.Syntax, 1, 46, "expected MATCH", ""},
	{"SHOW what", "SELECT * FROM s MATCH_RECOGNIZE (ALL ROWS PER MATCH SHOW ALL PATTERN (A))", diag.Syntax, 1, 58, "expected EMPTY or TIMEOUT", ""},
	{"WITHIN without INTERVAL", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN '10' SECOND)", diag.Syntax, 1, 53, "expected INTERVAL", "WITHIN INTERVAL '10' SECOND"},
	{"WITHIN with a bad unit", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL '10' SECNDS)", diag.Syntax, 1, 67, "unknown interval unit SECNDS", "did you mean SECONDS?"},
	{"WITHIN in months", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL '1' MONTH)", diag.Syntax, 1, 66, "day-time interval", ""},
	{"WITHIN with a bad value", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL 'ten' SECOND)", diag.Syntax, 1, 62, "bad interval value", ""},
	{"WITHIN zero", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL '0' SECOND)", diag.Syntax, 1, 62, "positive", ""},
	{"WITHIN negative", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL -'5' SECOND)", diag.Syntax, 1, 62, "positive", ""},
	{"WITHIN without unit", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL '5')", diag.Syntax, 1, 65, "unit", ""},
	{"DEFINE without AS", "SELECT * FROM s MATCH_RECOGNIZE (\n  PATTERN (A)\n  DEFINE A type = 'x'\n)", diag.Syntax, 3, 12, "expected AS after DEFINE A", "DEFINE A AS <condition>"},
	{"DEFINE without condition", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS)", diag.Syntax, 1, 57, "expected an expression after DEFINE A AS", ""},
	{"error in a DEFINE condition", "SELECT * FROM s MATCH_RECOGNIZE (\n  PATTERN (A B)\n  DEFINE A AS A.price > 1,\n         B AS B.price >> > LAST(A.price)\n)", diag.Syntax, 4, 26, "syntax error at '>'", ""},
	{"error in a MEASURES expression", "SELECT * FROM s MATCH_RECOGNIZE (\n  MEASURES FIRST(A.x) AS f,\n    LAST(A.x, ) AS l\n  PATTERN (A))", diag.Syntax, 3, 13, "trailing ','", "remove"},
	{"reserved word in DEFINE", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS key = 1)", diag.Syntax, 1, 58, "syntax error", "`key`"},
	{"SUBSET without =", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) SUBSET U (A))", diag.Syntax, 1, 55, "expected '='", "SUBSET U = (A, B)"},
	{"clauses out of order", "SELECT * FROM s MATCH_RECOGNIZE (MEASURES A.x AS x ORDER BY ts PATTERN (A))", diag.Syntax, 1, 52, "ORDER BY must come before MEASURES", "in this order"},
	{"DEFINE before PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (DEFINE A AS x > 1 PATTERN (A))", diag.Syntax, 1, 34, "DEFINE must come after PATTERN", "in this order"},
	{"SUBSET before PATTERN", "SELECT * FROM s MATCH_RECOGNIZE (SUBSET U = (A) DEFINE A AS (x) PATTERN (A))", diag.Syntax, 1, 34, "SUBSET must come after PATTERN", ""},
	{"PATTERN after DEFINE", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS x > 1 PATTERN (B))", diag.Syntax, 1, 64, "PATTERN must come before DEFINE", ""},
	{"WITHIN after DEFINE", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS x > 1 WITHIN INTERVAL '1' SECOND)", diag.Syntax, 1, 64, "WITHIN must come before DEFINE", ""},
	{"duplicate MEASURES", "SELECT * FROM s MATCH_RECOGNIZE (MEASURES A.x AS x MEASURES A.y AS y PATTERN (A))", diag.Syntax, 1, 52, "duplicate MEASURES", ""},
	{"junk before the closing paren", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS x > 1, )", diag.Syntax, 1, 65, "pattern variable after DEFINE", ""},
	{"misspelled DEFINE", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) DEFNE A AS x > 1)", diag.Syntax, 1, 46, "expected ')' to close MATCH_RECOGNIZE", "did you mean DEFINE?"},
	{"alias before the clause", "SELECT * FROM s AS m MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 17, "alias 'm' must come after", "MATCH_RECOGNIZE (...) AS m"},
	{"bare alias before the clause", "SELECT * FROM s m MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 17, "alias 'm' must come after", ""},
	{"subquery alias before the clause", "SELECT * FROM (SELECT 1) AS q MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 26, "alias 'q' must come after", ""},
	{"not after a table", "SELECT * FROM s WHERE MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 23, "must follow a table name", "FROM t MATCH_RECOGNIZE"},
	{"in the select list", "SELECT a, b MATCH_RECOGNIZE (PATTERN (A)) FROM s", diag.Syntax, 1, 13, "must follow a table name", ""},
	{"at the start", "MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 1, "unknown statement", ""},
	{"after a function call", "SELECT * FROM f(x) MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 20, "must follow a table name", ""},
	{"chained", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A)) MATCH_RECOGNIZE (PATTERN (B))", diag.Syntax, 1, 47, "cannot follow another MATCH_RECOGNIZE", "subquery"},
	{"in a DDL expression", "CREATE SOURCE s (a INT, b AS (SELECT 1 FROM t MATCH_RECOGNIZE (PATTERN (A)))) WITH ('connector' = 'x')", diag.Unsupported, 1, 47, "not allowed here", ""},
	{"misspelled MATCH_RECOGNIZE", "SELECT * FROM s MATCH_RECOGNISE (PATTERN (A))", diag.Syntax, 1, 17, "MATCH_RECOGNISE", "did you mean MATCH_RECOGNIZE?"},
	{"MATCH_RECOGNIZE without parens", "SELECT * FROM s MATCH_RECOGNIZE PATTERN (A)", diag.Syntax, 1, 33, "expected '(' after MATCH_RECOGNIZE", ""},
	{"placeholder name used", "SELECT * FROM chatsql_mr_1, s MATCH_RECOGNIZE (PATTERN (A))", diag.Semantic, 1, 15, "reserved", "chatsql_mr_"},
	{"error in the subquery input", "SELECT * FROM (SELECT a FORM s) MATCH_RECOGNIZE (PATTERN (A))", diag.Syntax, 1, 25, "FORM", "did you mean FROM?"},
	{"error after the clause", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A)) x\nWHER x.a = 1", diag.Syntax, 2, 1, "WHER", "did you mean WHERE?"},
	{"error in PARTITION BY", "SELECT * FROM s MATCH_RECOGNIZE (PARTITION BY a + PATTERN (A))", diag.Syntax, 1, 50, "syntax error", ""},
	{"anchor", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (^A))", diag.Unsupported, 1, 43, "anchor", ""},
	{"unclosed clause", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A)", diag.Syntax, 1, 33, "never closed", ""},
}

func TestMatchRecognizeErrors(t *testing.T) {
	for _, tc := range mrMistakes {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseStatement(diag.NewSource("bad.sql", tc.sql))
			if err == nil {
				t.Fatalf("no error for %q", tc.sql)
			}
			var d *diag.Error
			if !errors.As(err, &d) {
				t.Fatalf("error %T is not a *diag.Error", err)
			}
			if d.Kind != tc.kind || d.Pos.Line != tc.line || d.Pos.Col != tc.col || !strings.Contains(d.Msg, tc.msg) {
				t.Errorf("got %v at %d:%d (%s), want %v at %d:%d (...%s...)\n%s", d.Kind, d.Pos.Line, d.Pos.Col, d.Msg,
					tc.kind, tc.line, tc.col, tc.msg, d.Format())
			}
			if !strings.Contains(d.Hint, tc.hint) {
				t.Errorf("hint %q does not contain %q\n%s", d.Hint, tc.hint, d.Format())
			}
		})
	}
}

// TestMatchRecognizeErrorFormat shows the caret under the user's text for
// errors inside MEASURES and DEFINE expressions, which TiDB parsed from
// rewritten text.
func TestMatchRecognizeErrorFormat(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT *\nFROM s MATCH_RECOGNIZE (\n  PATTERN (A B)\n  DEFINE B AS LAST(A.x) < PREV(B.x,, 1)\n)",
			"q.sql:4:36: syntax error at ','\n  4 |   DEFINE B AS LAST(A.x) < PREV(B.x,, 1)\n    |                                    ^\n"},
		{"SELECT *\nFROM s MATCH_RECOGNIZE (\n  MEASURES RUNNING COUNT(A.*) AS n, FINAL LAST(A.x) AS\n  PATTERN (A B)\n)",
			"q.sql:4:3: expected the measure's name after AS, found 'PATTERN'\n  4 |   PATTERN (A B)\n    |   ^\nhint: MEASURES <expression> AS <name>, ...\n"},
		{"SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A B{3,1}))",
			"q.sql:1:46: bad quantifier {3,1}: the upper bound is below the lower bound\n  1 | SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A B{3,1}))\n    |                                              ^\nhint: write the smaller bound first: {1,3}\n"},
	}
	for _, tc := range tests {
		_, err := ParseStatement(diag.NewSource("q.sql", tc.sql))
		if got := diag.FormatError(err); got != tc.want {
			t.Errorf("got\n%s\nwant\n%s", got, tc.want)
		}
	}
}

// TestMatchRecognizePositionsMapBack checks that positions TiDB reports
// inside MEASURES and DEFINE expressions map back to the user's text
// through the lifted functions.
func TestMatchRecognizePositionsMapBack(t *testing.T) {
	_, mr := mrQuery(t, briefExample)
	src := mr.Define[0].Cond.Src.Text
	tests := []struct {
		e            *Expr
		name, prefix string
	}{
		{mr.Measures[0].Expr, FuncFirst + "()", "FIRST(A.event_time)"},
		{mr.Measures[0].Expr, "event_time", "A.event_time) AS first_at"},
		{mr.Measures[2].Expr, FuncVarStar + "()", "A.*"},
		{mr.Measures[3].Expr, FuncFinal + "()", "FINAL AVG"},
		{mr.Measures[3].Expr, "price", "A.price) AS avg_price"},
		{mr.Measures[4].Expr, FuncRunning + "()", "RUNNING LAST"},
		{mr.Measures[4].Expr, FuncLast + "()", "LAST(B.x)"},
		{mr.Measures[4].Expr, "x", "B.x) AS lx"},
		{mr.Measures[5].Expr, FuncClassifier + "()", "CLASSIFIER()"},
		{mr.Define[0].Cond, "type", "type = 'USER_MESSAGE'"},
		{mr.Define[1].Cond, FuncPrev + "()", "PREV(B.price, 2)"},
		{mr.Define[1].Cond, "x", "A.x > 0"},
		{mr.PartitionBy[0], "username", "username"},
		{mr.OrderBy[0].Expr, "event_time", "event_time\n"},
	}
	for _, tc := range tests {
		t.Run(tc.prefix, func(t *testing.T) {
			pos := positions{}
			tc.e.Node.Accept(pos)
			p, ok := pos[tc.name]
			if !ok {
				t.Fatalf("%s not in %v (%s)", tc.name, pos, tc.e.Rewritten)
			}
			if off := tc.e.Offset(p); !strings.HasPrefix(src[off:], tc.prefix) {
				t.Errorf("%s maps to %d: %q, want %q", tc.name, off, src[off:min(off+20, len(src))], tc.prefix)
			}
		})
	}
}

// TestMatchRecognizeTiDB pins what TiDB's parser makes of the MEASURES and
// DEFINE functions, unlifted and lifted.
func TestMatchRecognizeTiDB(t *testing.T) {
	rejected := []string{"FIRST(A.x)", "LAST(A.x)", "NEXT(A.x)", "COUNT(A.*)", "RUNNING LAST(A.x)", "FINAL COUNT(*)"}
	for _, e := range rejected {
		if _, err := tidbParse("SELECT " + e); err == nil {
			t.Errorf("TiDB now parses %s; its lifter may be unnecessary", e)
		}
	}
	// These TiDB parses as calls of its own; they are lifted all the same so
	// that the binder never confuses them with a user's function.
	for _, e := range []string{"PREV(A.x, 1)", "CLASSIFIER()", "MATCH_NUMBER()", "MATCH_TIMED_OUT()"} {
		if _, err := tidbParse("SELECT " + e); err != nil {
			t.Errorf("TiDB rejects %s: %v", e, err)
		}
	}
	tests := []struct{ expr, want string }{
		{"PREV(A.price, 2)", FuncPrev},
		{"next(A.price)", FuncNext},
		{"FIRST(A.event_time)", FuncFirst},
		{"Last(A.x, 1)", FuncLast},
		{"CLASSIFIER()", FuncClassifier},
		{"MATCH_NUMBER()", FuncMatchNumber},
		{"MATCH_TIMED_OUT()", FuncMatchTimedOut},
		{"RUNNING LAST(A.x)", FuncRunning + "(" + FuncLast + ")"},
		{"FINAL AVG(A.price)", FuncFinal + "(avg)"},
		{"RUNNING COUNT(A.*)", FuncRunning + "(count(" + FuncVarStar + "))"},
		{"COUNT(A.*)", "count(" + FuncVarStar + ")"},
		{"COUNT(*)", "count"},
		{"t.last(x)", "last"},
		{"A.last", ""},
		{"running", ""},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := parseExprWith(diag.NewSource("x", tc.expr), 0, len(tc.expr), mrLifters)
			if err != nil {
				if tc.want == "last" { // a qualified function name: TiDB's business
					return
				}
				t.Fatal(diag.FormatError(err))
			}
			if got := callShape(e.Node); got != tc.want {
				t.Errorf("%s parsed as %q, want %q (%s)", tc.expr, got, tc.want, e.Rewritten)
			}
		})
	}
	// The variable of A.* is a string argument.
	e, err := parseExprWith(diag.NewSource("x", "COUNT(`b c`.*)"), 0, 14, mrLifters)
	if err != nil {
		t.Fatal(err)
	}
	arg := e.Node.(*ast.AggregateFuncExpr).Args[0].(*ast.FuncCallExpr).Args[0].(*test_driver.ValueExpr)
	if arg.GetString() != "b c" {
		t.Errorf("var star argument %q", arg.GetString())
	}
}

// callShape renders nested calls: f(g), or "" for a non-call.
func callShape(n ast.ExprNode) string {
	var name string
	var args []ast.ExprNode
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		name, args = x.FnName.L, x.Args
	case *ast.AggregateFuncExpr:
		name, args = strings.ToLower(x.F), x.Args
	default:
		return ""
	}
	inner := ""
	for _, a := range args {
		inner += callShape(a)
	}
	if inner == "" {
		return name
	}
	return name + "(" + inner + ")"
}

func TestWithinIntervals(t *testing.T) {
	tests := []struct {
		lit  string
		want time.Duration
	}{
		{"'10' SECOND", 10 * time.Second},
		{"'10' SECONDS", 10 * time.Second},
		{"'1.5' SECOND", 1500 * time.Millisecond},
		{"'0.001' second", time.Millisecond},
		{"'1' MINUTE", time.Minute},
		{"'2' minutes", 2 * time.Minute},
		{"'1' HOUR", time.Hour},
		{"'3' HOURS", 3 * time.Hour},
		{"'1' DAY", 24 * time.Hour},
		{"'7' DAYS", 7 * 24 * time.Hour},
		{"'250' MILLISECOND", 250 * time.Millisecond},
		{"'250' MILLISECONDS", 250 * time.Millisecond},
		{"10 SECOND", 10 * time.Second},
		{"' 10 ' SECOND", 10 * time.Second},
		{"'1:30' MINUTE TO SECOND", 90 * time.Second},
		{"'1:30' HOUR TO MINUTE", 90 * time.Minute},
		{"'1:00:00.5' HOUR TO SECOND", time.Hour + 500*time.Millisecond},
		{"'1 12' DAY TO HOUR", 36 * time.Hour},
		{"'1 00:01' DAY TO MINUTE", 24*time.Hour + time.Minute},
		{"'0 00:00:01' DAY TO SECOND", time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.lit, func(t *testing.T) {
			_, mr := mrQuery(t, "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL "+tc.lit+")")
			if mr.Within != tc.want {
				t.Errorf("WITHIN INTERVAL %s = %v, want %v", tc.lit, mr.Within, tc.want)
			}
		})
	}
	for _, bad := range []string{"'1.5' MINUTE", "'x' SECOND", "'' SECOND", "'1:30' SECOND", "'1' YEAR", "'1' WEEK",
		"'1:30:00' MINUTE TO SECOND", "'1 2' HOUR TO MINUTE", "'1' SECOND TO MINUTE", "'1' DAY TO DAY", "'99999999999999' DAY",
		"'9223372036854775807' MILLISECOND", "'106751 23:59:59.99' DAY TO SECOND", "'0:00' MINUTE TO SECOND", "'1.' MINUTE", "'.' SECOND"} {
		t.Run(bad, func(t *testing.T) {
			_, err := ParseStatement(diag.NewSource("x", "SELECT * FROM s MATCH_RECOGNIZE (PATTERN (A) WITHIN INTERVAL "+bad+")"))
			if err == nil {
				t.Errorf("WITHIN INTERVAL %s accepted", bad)
			}
		})
	}
}

// mrFuzzSeeds are MATCH_RECOGNIZE queries, valid and broken, for
// FuzzParseScript.
func mrFuzzSeeds() []string {
	seeds := []string{briefExample,
		"SELECT * FROM (SELECT * FROM t MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS x > 1) x) MATCH_RECOGNIZE (PATTERN (B+?)) y",
		"SELECT * FROM s MATCH_RECOGNIZE (PATTERN (PERMUTE(A, B | C)* `x``y`{,3}? ()) WITHIN INTERVAL '1 02:03:04.5' DAY TO SECOND)"}
	for _, e := range mrDocExamples {
		seeds = append(seeds, e.sql)
	}
	for _, m := range mrMistakes {
		seeds = append(seeds, m.sql)
	}
	return seeds
}

// checkMatchRecognize checks what the fuzzer cannot see fail otherwise:
// positions within the query, and patterns that print as they parse.
func checkMatchRecognize(t *testing.T, q *Query) {
	for name, mr := range q.MatchRecognize {
		if !strings.HasPrefix(name, mrPrefix) || mr.Pos < q.Start || mr.End > q.End || mr.Pos >= mr.End {
			t.Fatalf("%s spans %d..%d outside %d..%d", name, mr.Pos, mr.End, q.Start, q.End)
		}
		if n, err := ParsePattern(mr.Pattern.String()); err != nil || n.String() != mr.Pattern.String() {
			t.Fatalf("pattern %s does not round-trip: %v", mr.Pattern, err)
		}
		var exprs []*Expr
		exprs = append(exprs, mr.PartitionBy...)
		for _, o := range mr.OrderBy {
			exprs = append(exprs, o.Expr)
		}
		for _, m := range mr.Measures {
			exprs = append(exprs, m.Expr)
		}
		for _, d := range mr.Define {
			exprs = append(exprs, d.Cond)
		}
		for _, e := range exprs {
			if e.Start < mr.Pos || e.End > mr.End {
				t.Fatalf("expression %d..%d outside its clause %d..%d", e.Start, e.End, mr.Pos, mr.End)
			}
			for k := 0; k <= len(e.Rewritten); k++ {
				if o := e.Offset(k); o < e.Start || o > e.End {
					t.Fatalf("rewritten offset %d of %q maps to %d, outside %d..%d", k, e.Rewritten, o, e.Start, e.End)
				}
			}
		}
		if in := mr.Input.Query; in != nil {
			checkMatchRecognize(t, in)
		}
	}
}

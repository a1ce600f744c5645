package planner

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/planner/plan"
)

// lookupPlanner is testPlanner with reference tables: ref (no time
// attribute), vref (versioned: WATERMARK), nopk (no PRIMARY KEY) and a
// source nw without a time attribute.
func lookupPlanner(t *testing.T) *Planner {
	t.Helper()
	p := testPlanner(t)
	for name, ddl := range map[string]string{
		"ref":  "CREATE TABLE ref (k VARCHAR, v VARCHAR, n INT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'file', 'path' = '/dev/null')",
		"vref": "CREATE TABLE vref (k VARCHAR, v VARCHAR, upd TIMESTAMP_LTZ(3), PRIMARY KEY (k) NOT ENFORCED, WATERMARK FOR upd AS upd) WITH ('connector' = 'file', 'path' = '/dev/null')",
		"nopk": "CREATE TABLE nopk (k VARCHAR, v VARCHAR) WITH ('connector' = 'file', 'path' = '/dev/null')",
		"nw":   "CREATE SOURCE nw (a BIGINT, s VARCHAR, ts TIMESTAMP_LTZ(3)) WITH ('connector' = 'file', 'path' = '/dev/null')",
	} {
		addRelation(t, p, name, ddl)
	}
	return p
}

// TestLookupErrors pins the binder's errors of temporal joins and
// subqueries as a user sees them: position, caret, message and hint.
func TestLookupErrors(t *testing.T) {
	p := lookupPlanner(t)
	cases := []struct {
		name string
		sql  string
		kind error
		want string // diag.Error.Format()
	}{
		{"regular join", "SELECT * FROM t\nJOIN nopk ON t.s = nopk.k", diag.ErrUnsupported, `q.sql:2:1: regular joins between streams are not supported; join a table with PRIMARY KEY with FOR SYSTEM_TIME AS OF
  2 | JOIN nopk ON t.s = nopk.k
    | ^
hint: a temporal join reads a table with a PRIMARY KEY: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k (or AS OF PROCTIME())
`},
		{"comma join", "SELECT * FROM t, ref", diag.ErrUnsupported, `q.sql:1:16: CROSS joins (and joins by ',') are not supported
  1 | SELECT * FROM t, ref
    |                ^
hint: a temporal join reads a table with a PRIMARY KEY: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k (or AS OF PROCTIME())
`},
		{"RIGHT JOIN", "SELECT * FROM t RIGHT JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k", diag.ErrUnsupported, `q.sql:1:17: RIGHT JOIN is not supported
  1 | SELECT * FROM t RIGHT JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k
    |                 ^
hint: a temporal join keeps the stream's rows: JOIN or LEFT JOIN, with the stream on the left
`},
		{"FULL JOIN", "SELECT * FROM t FULL JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k", diag.ErrUnsupported, `q.sql:1:17: FULL JOIN is not supported
  1 | SELECT * FROM t FULL JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k
    |                 ^
hint: a temporal join keeps the stream's rows: JOIN or LEFT JOIN
`},
		{"USING", "SELECT * FROM t JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() USING (k)", diag.ErrUnsupported, `q.sql:1:59: USING is not supported in a temporal join
  1 | SELECT * FROM t JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() USING (k)
    |                                                           ^
hint: write ON s.k = r.k
`},
		{"no ON", "SELECT * FROM t JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r", diag.ErrSemantic, `q.sql:1:26: a temporal join needs ON <condition>
  1 | SELECT * FROM t JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r
    |                          ^
hint: a temporal join reads a table with a PRIMARY KEY: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k (or AS OF PROCTIME())
`},
		{"no PRIMARY KEY", "SELECT * FROM t JOIN nopk FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k", diag.ErrSemantic, `q.sql:1:22: 'nopk' has no PRIMARY KEY: a temporal join reads a reference table, kept by its primary key
  1 | SELECT * FROM t JOIN nopk FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k
    |                      ^
hint: a reference table is declared with a PRIMARY KEY: CREATE TABLE t (..., PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'kafka', 'mode' = 'upsert', ...), or a 'file' table whose rows upsert their key
`},
		{"unknown table", "SELECT * FROM t JOIN reff FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k", diag.ErrUnknownName, `q.sql:1:22: unknown table 'reff'
  1 | SELECT * FROM t JOIN reff FOR SYSTEM_TIME AS OF PROCTIME() AS r ON t.s = r.k
    |                      ^
hint: did you mean 'ref'?
`},
		{"AS OF not the time attribute", "SELECT * FROM t JOIN vref FOR SYSTEM_TIME AS OF t.a AS r ON t.s = r.k", diag.ErrSemantic, `q.sql:1:49: FOR SYSTEM_TIME AS OF must be the left side's time attribute or PROCTIME(), not t.a
  1 | SELECT * FROM t JOIN vref FOR SYSTEM_TIME AS OF t.a AS r ON t.s = r.k
    |                                                 ^
hint: FOR SYSTEM_TIME AS OF ts (the version valid at the row's event time), or PROCTIME() (the latest)
`},
		{"AS OF on a left without time", "SELECT * FROM nw JOIN vref FOR SYSTEM_TIME AS OF nw.ts AS r ON nw.s = r.k", diag.ErrSemantic, `q.sql:1:50: FOR SYSTEM_TIME AS OF must be the left side's time attribute or PROCTIME(), not nw.ts
  1 | SELECT * FROM nw JOIN vref FOR SYSTEM_TIME AS OF nw.ts AS r ON nw.s = r.k
    |                                                  ^
hint: the left side has no time attribute (WATERMARK): join FOR SYSTEM_TIME AS OF PROCTIME() for the latest version
`},
		{"event time without versions", "SELECT * FROM t\nJOIN ref FOR SYSTEM_TIME AS OF t.ts AS r ON t.s = r.k", diag.ErrSemantic, `q.sql:2:32: an event-time temporal join needs the times of the table's versions, and 'ref' has no time attribute
  2 | JOIN ref FOR SYSTEM_TIME AS OF t.ts AS r ON t.s = r.k
    |                                ^
hint: declare WATERMARK FOR <time column> in 'ref' (an upsert Kafka table also has its records' times), or join FOR SYSTEM_TIME AS OF PROCTIME() for the latest version
`},
		{"temporal table alone", "SELECT * FROM ref FOR SYSTEM_TIME AS OF PROCTIME()", diag.ErrSemantic, `q.sql:1:19: FOR SYSTEM_TIME AS OF reads a table for the rows of a stream on its left
  1 | SELECT * FROM ref FOR SYSTEM_TIME AS OF PROCTIME()
    |                   ^
hint: FROM s JOIN ref FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k
`},
		{"ON not a condition", "SELECT * FROM t JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON r.v", diag.ErrType, `q.sql:1:67: the join condition must be a condition (BOOLEAN), not VARCHAR
  1 | SELECT * FROM t JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON r.v
    |                                                                   ^
`},
		{"subquery from a table without key", "SELECT EXISTS (SELECT 1 FROM nopk WHERE k = s) FROM t", diag.ErrSemantic, `q.sql:1:30: 'nopk' has no PRIMARY KEY: a subquery reads a reference table, kept by its primary key
  1 | SELECT EXISTS (SELECT 1 FROM nopk WHERE k = s) FROM t
    |                              ^
hint: a reference table is declared with a PRIMARY KEY: CREATE TABLE t (..., PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'kafka', 'mode' = 'upsert', ...), or a 'file' table whose rows upsert their key
`},
		{"subquery over a join", "SELECT (SELECT v FROM ref, vref) AS x FROM t", diag.ErrUnsupported, `q.sql:1:8: a subquery reads one reference table, not a join or a subquery
  1 | SELECT (SELECT v FROM ref, vref) AS x FROM t
    |        ^
hint: a subquery reads one reference table: (SELECT value FROM t WHERE ...), EXISTS (SELECT 1 FROM t WHERE ...)
`},
		{"NOT IN", "SELECT * FROM t WHERE s NOT IN (SELECT k FROM ref)", diag.ErrUnsupported, `q.sql:1:23: NOT IN (subquery) is not supported
  1 | SELECT * FROM t WHERE s NOT IN (SELECT k FROM ref)
    |                       ^
hint: write NOT EXISTS (SELECT 1 FROM t WHERE t.col = x): NOT IN is NULL, not TRUE, when the table holds a NULL
`},
		{"subquery in a subquery", "SELECT (SELECT v FROM ref WHERE EXISTS (SELECT 1 FROM vref)) AS x FROM t", diag.ErrUnsupported, `q.sql:1:40: a subquery cannot be used in a subquery
  1 | SELECT (SELECT v FROM ref WHERE EXISTS (SELECT 1 FROM vref)) AS x FROM t
    |                                        ^
hint: subqueries against reference tables are allowed in SELECT lists and WHERE clauses
`},
		{"GROUP BY in a subquery", "SELECT (SELECT COUNT(*) FROM ref GROUP BY v) AS x FROM t", diag.ErrUnsupported, `q.sql:1:43: GROUP BY is not supported in a subquery
  1 | SELECT (SELECT COUNT(*) FROM ref GROUP BY v) AS x FROM t
    |                                           ^
hint: an aggregate subquery aggregates all the rows that match: (SELECT COUNT(*) FROM t WHERE ...)
`},
		{"aggregate inside an expression", "SELECT (SELECT COUNT(*) + 1 FROM ref) AS x FROM t", diag.ErrUnsupported, `q.sql:1:16: an aggregate in a subquery must be its whole select expression
  1 | SELECT (SELECT COUNT(*) + 1 FROM ref) AS x FROM t
    |                ^
hint: (SELECT COUNT(*) FROM t WHERE ...), (SELECT MAX(x) FROM t WHERE ...)
`},
		{"two columns", "SELECT (SELECT k, v FROM ref) AS x FROM t", diag.ErrSemantic, `q.sql:1:8: a subquery used as a value must select exactly one column
  1 | SELECT (SELECT k, v FROM ref) AS x FROM t
    |        ^
hint: a subquery reads one reference table: (SELECT value FROM t WHERE ...), EXISTS (SELECT 1 FROM t WHERE ...)
`},
		{"ANY", "SELECT * FROM t WHERE s = ANY (SELECT k FROM ref)", diag.ErrUnsupported, `q.sql:1:23: comparisons with ANY, SOME or ALL (subquery) are not supported
  1 | SELECT * FROM t WHERE s = ANY (SELECT k FROM ref)
    |                       ^
hint: write EXISTS (SELECT 1 FROM t WHERE ...), or compare with an aggregate: x > (SELECT MAX(y) FROM t)
`},
		{"FOR SYSTEM_TIME in a subquery", "SELECT EXISTS (SELECT 1 FROM ref FOR SYSTEM_TIME AS OF PROCTIME() WHERE k = s) FROM t", diag.ErrUnsupported, `q.sql:1:34: FOR SYSTEM_TIME AS OF is not supported in a subquery
  1 | SELECT EXISTS (SELECT 1 FROM ref FOR SYSTEM_TIME AS OF PROCTIME() WHERE k = s) FROM t
    |                                  ^
hint: a subquery reads the table's current contents: remove FOR SYSTEM_TIME AS OF
`},
		{"unknown column in a subquery", "SELECT (SELECT vv FROM ref WHERE k = s) AS x FROM t", diag.ErrUnknownName, `q.sql:1:16: unknown column 'vv'
  1 | SELECT (SELECT vv FROM ref WHERE k = s) AS x FROM t
    |                ^
hint: did you mean 'v'?
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := bindSelect(t, p, c.sql)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("kind: got %v, want %v", err, c.kind)
			}
			var de *diag.Error
			if !errors.As(err, &de) {
				t.Fatalf("not a diag error: %v", err)
			}
			if got := de.Format(); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// findLookups optimizes a query and returns its Lookup nodes, top first.
func findLookups(t *testing.T, p *Planner, sql string) []*Lookup {
	t.Helper()
	l, err := bindSelect(t, p, sql)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	opt, err := Optimize(l)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Lookup
	var walk func(Logical)
	walk = func(n Logical) {
		if lk, ok := n.(*Lookup); ok {
			out = append(out, lk)
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(opt)
	return out
}

// TestLookupBinding checks how conditions are split (keys, contains, the
// rest), correlation, modes and result types.
func TestLookupBinding(t *testing.T) {
	p := lookupPlanner(t)
	cases := []struct {
		sql  string
		want string // mode, keys, contains, cond, value, correlated, type of the appended column
	}{
		{"SELECT * FROM t JOIN vref FOR SYSTEM_TIME AS OF t.ts AS r ON r.k = t.s AND LOCATE(r.v, t.s) > 0 AND t.a > r.upd",
			"join event=$3:ts keys=[$1:s=0] contains=[$1:s/$1:v] cond=($0:a > $8:upd) value=<nil> corr=true"},
		{"SELECT * FROM t LEFT JOIN ref FOR SYSTEM_TIME AS OF PROCTIME() AS r ON UPPER(t.s) = r.k AND 0 < INSTR(t.s, r.v)",
			"join outer event=<nil> keys=[UPPER($1:s)=0] contains=[$1:s/$1:v] cond=<nil> value=<nil> corr=true"},
		{"SELECT EXISTS (SELECT 1 FROM ref WHERE v = 'x') AS e FROM t",
			"exists event=<nil> keys=['x'=1] contains=[] cond=<nil> value=<nil> corr=false type=BOOLEAN NOT NULL"},
		{"SELECT (SELECT MIN(n) FROM ref r WHERE r.k = s) AS m FROM t",
			"aggregate MIN event=<nil> keys=[$1:s=0] contains=[] cond=<nil> value=$8:n corr=true type=INT"},
		{"SELECT (SELECT SUM(n) FROM ref WHERE s LIKE CONCAT('%', v, '%')) AS m FROM t",
			"aggregate SUM event=<nil> keys=[]= contains=[$1:s/$1:v] cond=<nil> value=$8:n corr=true type=BIGINT"},
		{"SELECT (SELECT v FROM ref WHERE k = s AND n > a) AS m FROM t",
			"scalar event=<nil> keys=[$1:s=0] contains=[] cond=($8:n > $0:a) value=$7:v corr=true type=VARCHAR"},
		{"SELECT * FROM t WHERE a IN (SELECT n FROM ref)", // BIGINT = INT: compared in the condition
			"exists event=<nil> keys=[]= contains=[] cond=($0:a = $8:n) value=<nil> corr=true type=BOOLEAN NOT NULL"},
		{"SELECT * FROM t WHERE s IN (SELECT k FROM ref WHERE a > 0)", // the outer-only conjunct stays in the condition
			"exists event=<nil> keys=[$1:s=0] contains=[] cond=($0:a > 0) value=<nil> corr=true type=BOOLEAN NOT NULL"},
		{"SELECT (SELECT GROUP_CONCAT(v) FROM ref) AS g FROM t",
			"aggregate GROUP_CONCAT event=<nil> keys=[]= contains=[] cond=<nil> value=$7:v corr=false type=VARCHAR"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			lks := findLookups(t, p, c.sql)
			if len(lks) != 1 {
				t.Fatalf("got %d lookups", len(lks))
			}
			cfg := lks[0].Cfg
			var b strings.Builder
			b.WriteString(cfg.Mode.String())
			if cfg.Outer {
				b.WriteString(" outer")
			}
			if cfg.Agg != "" {
				b.WriteString(" " + cfg.Agg)
			}
			fmt.Fprintf(&b, " event=%v keys=[", cfg.EventTime)
			for i, k := range cfg.LeftKeys {
				fmt.Fprintf(&b, "%s=%d", k, cfg.TableKeys[i])
			}
			if len(cfg.LeftKeys) == 0 {
				b.WriteString("]=")
			} else {
				b.WriteString("]")
			}
			b.WriteString(" contains=[")
			for _, k := range cfg.Contains {
				fmt.Fprintf(&b, "%s/%s", k.Outer, k.Inner)
			}
			fmt.Fprintf(&b, "] cond=%v value=%v corr=%v", cfg.Cond, cfg.Value, cfg.Correlated)
			if cfg.Mode != plan.LookupJoin {
				fmt.Fprintf(&b, " type=%s", lks[0].T)
			}
			if got := b.String(); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestReferenceTableDDL pins the CREATE TABLE checks of reference tables.
func TestReferenceTableDDL(t *testing.T) {
	cases := []struct{ name, ddl, want string }{
		{"upsert without PRIMARY KEY", "CREATE TABLE rules (word VARCHAR)\nWITH ('connector' = 'kafka', 'topic' = 'rules', 'format' = 'json', 'mode' = 'upsert')",
			`ddl.sql:2:77: a Kafka table with 'mode' = 'upsert' needs a PRIMARY KEY
  2 | WITH ('connector' = 'kafka', 'topic' = 'rules', 'format' = 'json', 'mode' = 'upsert')
    |                                                                             ^
hint: declare the key the records upsert: PRIMARY KEY (col) NOT ENFORCED (the record key carries it)
`},
		{"unknown version column", "CREATE TABLE rules (word VARCHAR, ver BIGINT, PRIMARY KEY (word) NOT ENFORCED) WITH ('connector' = 'kafka', 'topic' = 'rules',\n 'mode' = 'upsert', 'version.column' = 'vers')",
			`ddl.sql:2:40: option 'version.column': unknown column 'vers'
  2 |  'mode' = 'upsert', 'version.column' = 'vers')
    |                                        ^
hint: did you mean 'ver'?
`},
		{"version column of a wrong type", "CREATE TABLE rules (word VARCHAR, ver JSON, PRIMARY KEY (word) NOT ENFORCED) WITH ('connector' = 'kafka', 'topic' = 'rules',\n 'mode' = 'upsert', 'version.column' = 'ver')",
			`ddl.sql:2:40: option 'version.column': 'ver' is JSON; a version is a number or a time
  2 |  'mode' = 'upsert', 'version.column' = 'ver')
    |                                        ^
hint: e.g. a BIGINT version, an update time, or the record offset (BIGINT METADATA FROM 'offset')
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := New(NewCatalog(), map[string]string{})
			src := diag.NewSource("ddl.sql", c.ddl)
			st, err := parser.ParseStatement(src)
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			_, err = p.BindRelation(st.(*parser.CreateRelationStmt), src)
			var list diag.List
			if !errors.As(err, &list) {
				t.Fatalf("expected errors, got %v", err)
			}
			var got []string
			for _, e := range list {
				if e.Format() == c.want {
					return
				}
				got = append(got, e.Format())
			}
			t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), c.want)
		})
	}
}

// TestUpsertTableIsNotAStream: an upsert Kafka table is read in a temporal
// join or a subquery, not as a stream.
func TestUpsertTableIsNotAStream(t *testing.T) {
	p := lookupPlanner(t)
	ddl := "CREATE TABLE rules (word VARCHAR, PRIMARY KEY (word) NOT ENFORCED) WITH ('connector' = 'kafka', 'topic' = 'rules', 'format' = 'json', 'mode' = 'upsert')"
	src := diag.NewSource("ddl.sql", ddl)
	st, err := parser.ParseStatement(src)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	rel, err := p.BindRelation(st.(*parser.CreateRelationStmt), src)
	if err != nil {
		if strings.Contains(diag.FormatError(err), "unknown option 'mode'") {
			t.Skip("the kafka connector has no 'mode' option yet")
		}
		t.Fatal(diag.FormatError(err))
	}
	p.Catalog.Put("rules", rel)
	_, err = bindSelect(t, p, "SELECT * FROM rules")
	var de *diag.Error
	if !errors.As(err, &de) {
		t.Fatalf("expected an error, got %v", err)
	}
	want := `q.sql:1:15: 'rules' is a reference table ('mode' = 'upsert'), not a stream
  1 | SELECT * FROM rules
    |               ^
hint: read it in a temporal join (JOIN rules FOR SYSTEM_TIME AS OF s.event_time AS r ON ...) or a subquery (EXISTS (SELECT 1 FROM rules WHERE ...))
`
	if got := de.Format(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// and it is a reference table
	if lks := findLookups(t, p, "SELECT s FROM t WHERE EXISTS (SELECT 1 FROM rules WHERE INSTR(s, word) > 0)"); len(lks) != 1 {
		t.Errorf("got %d lookups", len(lks))
	}
}

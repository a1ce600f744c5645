package planner

import (
	"errors"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
)

// TestMatchRecognizeErrors pins the binder's semantic errors of
// MATCH_RECOGNIZE as a user sees them: position, the line with its caret,
// the message and the hint.
func TestMatchRecognizeErrors(t *testing.T) {
	p := testPlanner(t)
	// nw has no WATERMARK: no event time to order by
	addRelation(t, p, "nw", "CREATE SOURCE nw (a BIGINT, ts TIMESTAMP_LTZ(3)) WITH ('connector' = 'file', 'path' = '/dev/null')")

	cases := []struct {
		name string
		sql  string
		kind error
		want string // diag.Error.Format()
	}{
		{"define of a variable not in PATTERN", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A B+)
  DEFINE A AS a > 0, C AS a < 0
) AS m`, diag.ErrUnknownName, `q.sql:5:22: DEFINE of 'C', which is not a variable of the PATTERN
  5 |   DEFINE A AS a > 0, C AS a < 0
    |                      ^
hint: did you mean 'A'?
`},
		{"ORDER BY not on the time attribute", `SELECT * FROM t MATCH_RECOGNIZE (
  PARTITION BY s
  ORDER BY a
  MEASURES A.a AS x
  PATTERN (A B+)
  DEFINE A AS a > 0
) AS m`, diag.ErrSemantic, `q.sql:3:12: ORDER BY of MATCH_RECOGNIZE must start with the time attribute 'ts', ascending
  3 |   ORDER BY a
    |            ^
hint: rows are matched in event-time order; WITHIN and timeouts need it
`},
		{"ORDER BY the time attribute descending", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts DESC
  MEASURES A.a AS x
  PATTERN (A)
) AS m`, diag.ErrSemantic, `q.sql:2:12: ORDER BY of MATCH_RECOGNIZE must start with the time attribute 'ts', ascending
  2 |   ORDER BY ts DESC
    |            ^
hint: rows are matched in event-time order; WITHIN and timeouts need it
`},
		{"input without a watermark", `SELECT * FROM nw MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A)
) AS m`, diag.ErrSemantic, `q.sql:1:18: MATCH_RECOGNIZE needs an input with an event time (a WATERMARK)
  1 | SELECT * FROM nw MATCH_RECOGNIZE (
    |                  ^
hint: declare WATERMARK FOR <column> AS ... in the CREATE SOURCE of its input
`},
		{"a PATTERN that can only match empty", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES MATCH_NUMBER() AS n
  PATTERN (() | A{0})
  DEFINE A AS a > 0
) AS m`, diag.ErrSemantic, `q.sql:4:3: this PATTERN can only match an empty sequence of rows
  4 |   PATTERN (() | A{0})
    |   ^
hint: give it at least one variable that must match a row, e.g. PATTERN (A B*)
`},
		{"SHOW TIMEOUT MATCHES without WITHIN", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  ONE ROW PER MATCH SHOW TIMEOUT MATCHES
  PATTERN (A B)
  DEFINE A AS a > 0
) AS m`, diag.ErrSemantic, `q.sql:4:3: SHOW TIMEOUT MATCHES needs a WITHIN interval after PATTERN
  4 |   ONE ROW PER MATCH SHOW TIMEOUT MATCHES
    |   ^
hint: a partial match times out when its WITHIN window closes, e.g. PATTERN (J M) WITHIN INTERVAL '2' MINUTE
`},
		// C is neither a pattern variable nor a SUBSET: the qualifier is
		// taken for a table name
		{"an undefined variable qualifying a MEASURES column", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x, C.a AS y
  PATTERN (A B)
  DEFINE A AS a > 0
) AS m`, diag.ErrUnknownName, `q.sql:3:22: unknown table or alias 'C'
  3 |   MEASURES A.a AS x, C.a AS y
    |                      ^
`},
		{"NEXT in DEFINE", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A B)
  DEFINE A AS a > NEXT(a)
) AS m`, diag.ErrUnsupported, `q.sql:5:19: NEXT in DEFINE would look at rows that have not arrived; a stream cannot wait for them
  5 |   DEFINE A AS a > NEXT(a)
    |                   ^
`},
		{"FINAL in DEFINE", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A B)
  DEFINE B AS a > FINAL LAST(A.a)
) AS m`, diag.ErrSemantic, `q.sql:5:19: FINAL is not allowed in DEFINE (a condition sees the match only up to the current row)
  5 |   DEFINE B AS a > FINAL LAST(A.a)
    |                   ^
`},
		{"MATCH_TIMED_OUT in DEFINE", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A B)
  DEFINE B AS MATCH_TIMED_OUT()
) AS m`, diag.ErrSemantic, `q.sql:5:15: MATCH_TIMED_OUT() belongs in MEASURES, not DEFINE
  5 |   DEFINE B AS MATCH_TIMED_OUT()
    |               ^
`},
		{"two variables in one aggregate", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES SUM(A.a + B.a) AS x
  PATTERN (A B)
) AS m`, diag.ErrSemantic, `q.sql:3:22: a navigation or aggregate argument must refer to one pattern variable, not both A and B
  3 |   MEASURES SUM(A.a + B.a) AS x
    |                      ^
`},
		{"SUBSET of an unknown variable", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A B)
  SUBSET U = (A, C)
) AS m`, diag.ErrUnknownName, `q.sql:5:18: SUBSET 'U' names 'C', which is not a variable of the PATTERN
  5 |   SUBSET U = (A, C)
    |                  ^
hint: did you mean 'A'?
`},
		{"AFTER MATCH SKIP TO an unknown variable", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  AFTER MATCH SKIP TO LAST C
  PATTERN (A B)
) AS m`, diag.ErrUnknownName, `q.sql:4:28: AFTER MATCH SKIP TO 'C': not a variable of the PATTERN
  4 |   AFTER MATCH SKIP TO LAST C
    |                            ^
hint: did you mean 'A'?
`},
		{"WITH UNMATCHED ROWS", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  ALL ROWS PER MATCH WITH UNMATCHED ROWS
  PATTERN (A B)
) AS m`, diag.ErrUnsupported, `q.sql:4:3: ALL ROWS PER MATCH WITH UNMATCHED ROWS is not supported yet
  4 |   ALL ROWS PER MATCH WITH UNMATCHED ROWS
    |   ^
hint: use ALL ROWS PER MATCH (SHOW EMPTY MATCHES) or OMIT EMPTY MATCHES
`},
		{"a measure named like a PARTITION BY column", `SELECT * FROM t MATCH_RECOGNIZE (
  PARTITION BY s
  ORDER BY ts
  MEASURES A.a AS s
  PATTERN (A B)
) AS m`, diag.ErrSemantic, `q.sql:4:19: measure 's' has the name of another output column
  4 |   MEASURES A.a AS s
    |                   ^
`},
		{"a DEFINE that is not a condition", `SELECT * FROM t MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.a AS x
  PATTERN (A B)
  DEFINE A AS s
) AS m`, diag.ErrType, `q.sql:5:15: DEFINE A must be a condition (BOOLEAN), not VARCHAR
  5 |   DEFINE A AS s
    |               ^
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

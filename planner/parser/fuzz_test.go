package parser

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
)

// fuzzSeeds are statements of every kind, valid and broken.
var fuzzSeeds = []string{
	"SET 'kafka.brokers' = 'localhost:9092'; RESET; SHOW SOURCES; DESCRIBE JOB 'x'; STOP JOB 'x';",
	"CREATE TABLE t (k STRING PRIMARY KEY NOT ENFORCED, v INT METADATA FROM 'offset' VIRTUAL) PARTITIONED BY (days(ts)) WITH (a = b)",
	"CREATE OR REPLACE VIEW v (a) AS SELECT CAST(CAST(x AS INT) AS TIMESTAMP(3) WITH LOCAL TIME ZONE) FROM s",
	"INSERT INTO t SELECT TUMBLE(ts, INTERVAL '1' MINUTE), TRANSLATE(a, 'es', 'm') FROM s WHERE a REGEXP 'x' GROUP BY 1",
	"EXPLAIN CREATE SINK s WITH ('connector' = 'print') AS (SELECT 1) UNION ALL (SELECT 2)",
	"CREATE CATALOG c WITH ('type' = 'iceberg'); ALTER TABLE c.db.t ADD COLUMN x DOUBLE; DROP CATALOG IF EXISTS c",
	"SELECT `a``b`, \"s\", 'it''s', x->>'$.a' -- c\n FROM t /* c */ # c",
}

func FuzzParseScript(f *testing.F) {
	if b, err := os.ReadFile("testdata/product.sql"); err == nil {
		f.Add(string(b))
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, m := range typicalMistakes {
		f.Add(m.sql)
	}
	for _, s := range mrFuzzSeeds() {
		f.Add(s)
	}
	for _, m := range temporalMistakes {
		f.Add(m.sql)
	}
	for _, m := range tableNameMistakes {
		f.Add(m.sql)
	}
	f.Add("INSERT INTO o SELECT * FROM lake.chat.t AS t, `h`.db.`u` WHERE EXISTS (SELECT 1 FROM h.db.v WHERE v.k = t.k)")
	f.Add("SELECT * FROM s JOIN a FOR SYSTEM_TIME AS OF s.ts AS x ON s.k = x.k LEFT JOIN b FOR SYSTEM_TIME AS OF PROCTIME() y ON INSTR(s.t, y.w) > 0")
	f.Fuzz(func(t *testing.T, text string) {
		Complete(text)
		SplitStatements(text)
		src := diag.NewSource("fuzz.sql", text)
		script, err := ParseScript(src)
		if script == nil {
			t.Fatal("nil script")
		}
		var list diag.List
		if err != nil && !errors.As(err, &list) {
			t.Fatalf("error %T is not a diag.List: %v", err, err)
		}
		for _, e := range list {
			if e.Pos.Offset < 0 || e.Pos.Offset > len(text) {
				t.Fatalf("error position %d out of range: %v", e.Pos.Offset, e)
			}
			if strings.Contains(e.Msg, "internal parser error") || strings.Contains(e.Msg, errTiDBPanic.Error()) {
				t.Fatalf("recovered panic: %v", e)
			}
		}
		for _, st := range script.Statements {
			s, e := st.Span()
			if s < 0 || e > len(text) || s > e {
				t.Fatalf("span %d..%d out of range", s, e)
			}
			var q *Query
			switch x := st.(type) {
			case *QueryStmt:
				q = x.Query
			case *CreateSinkStmt:
				q = x.Query
			}
			if q != nil {
				for k := 0; k <= len(q.Rewritten); k++ {
					if o := q.Offset(k); o < q.Start || o > q.End {
						t.Fatalf("rewritten offset %d maps to %d, outside %d..%d", k, o, q.Start, q.End)
					}
				}
				checkMatchRecognize(t, q)
				for name, tt := range q.Temporal {
					if !strings.HasPrefix(name, ttPrefix) || tt.Pos < q.Start || tt.Pos > q.End || tt.AsOf.Start < tt.Pos || tt.AsOf.End > q.End {
						t.Fatalf("%s: positions outside %d..%d", name, q.Start, q.End)
					}
				}
				for name, id := range q.Tables {
					if !strings.HasPrefix(name, tnPrefix) || id.Pos < q.Start || id.Pos >= q.End || len(id.Parts) < 3 {
						t.Fatalf("%s: %v outside %d..%d", name, id, q.Start, q.End)
					}
				}
			}
		}
	})
}

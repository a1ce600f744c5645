package parser

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

func mustParse(t *testing.T, sql string) Statement {
	t.Helper()
	st, err := ParseStatement(diag.NewSource("test.sql", sql))
	if err != nil {
		t.Fatalf("parse %q:\n%s", sql, diag.FormatError(err))
	}
	return st
}

func TestProductExamples(t *testing.T) {
	b, err := os.ReadFile("testdata/product.sql")
	if err != nil {
		t.Fatal(err)
	}
	src := diag.NewSource("product.sql", string(b))
	script, err := ParseScript(src)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if len(script.Statements) != 2 {
		t.Fatalf("got %d statements, want 2", len(script.Statements))
	}
	cs := script.Statements[0].(*CreateRelationStmt)
	if cs.Table || cs.Name.String() != "chat_messages" || len(cs.Columns) != 7 {
		t.Fatalf("CREATE SOURCE parsed as %+v", cs)
	}
	wantCols := []struct {
		name string
		kind types.Kind
	}{{"username", types.KindString}, {"text", types.KindString}, {"type", types.KindString},
		{"preferredLanguage", types.KindString}, {"timestamp", types.KindBigInt}, {"event_time", types.KindNull},
		{"kafka_offset", types.KindBigInt}}
	for i, w := range wantCols {
		if c := cs.Columns[i]; c.Name.String() != w.name || c.Type.Kind != w.kind {
			t.Errorf("column %d = %s %v, want %s %v", i, c.Name, c.Type, w.name, w.kind)
		}
	}
	if e := cs.Columns[5].Computed; e == nil || e.Text() != "TO_TIMESTAMP_LTZ(`timestamp`, 0)" {
		t.Errorf("computed column = %+v", e)
	}
	if m := cs.Columns[6].Metadata; m == nil || m.Key != "offset" || m.Virtual {
		t.Errorf("metadata = %+v", m)
	}
	if w := cs.Watermark; w == nil || w.Column.String() != "event_time" || w.Expr.Text() != "event_time - INTERVAL '5' SECOND" {
		t.Errorf("watermark = %+v", w)
	}
	if len(cs.Options) != 5 || cs.Options[3].Key != "scan.startup.mode" || cs.Options[3].Value != "group-offsets" {
		t.Errorf("options = %+v", cs.Options)
	}
	if got := src.Text[cs.Options[0].KeyPos:cs.Options[0].ValPos]; got != "'connector' = " {
		t.Errorf("option positions cover %q", got)
	}

	sink := script.Statements[1].(*CreateSinkStmt)
	if sink.Name.String() != "processing_fanout" || len(sink.Options) != 3 {
		t.Fatalf("CREATE SINK parsed as %+v", sink)
	}
	sel := sink.Query.Stmt.(*ast.SelectStmt)
	if n := len(sel.Fields.Fields); n != 3 {
		t.Fatalf("%d select fields, want 3", n)
	}
	if !strings.Contains(sink.Query.Rewritten, "CHATSQL_TRANSLATE(text, preferredLanguage)") {
		t.Errorf("TRANSLATE not lifted: %s", sink.Query.Rewritten)
	}
}

func TestSetResetShowDescribe(t *testing.T) {
	tests := []struct {
		sql  string
		want Statement
	}{
		{"SET", &SetStmt{Node: Node{0, 3}}},
		{"SET 'kafka.brokers' = 'localhost:9092'", &SetStmt{Node: Node{0, 38}, Key: "kafka.brokers", Value: "localhost:9092", KeyPos: 4}},
		{"set kafka.brokers = localhost:19092;", &SetStmt{Node: Node{0, 35}, Key: "kafka.brokers", Value: "localhost:19092", KeyPos: 4}},
		{"SET translate.capacity = 10", &SetStmt{Node: Node{0, 27}, Key: "translate.capacity", Value: "10", KeyPos: 4}},
		{"SET 'sink.delivery-guarantee' = at-least-once", &SetStmt{Node: Node{0, 45}, Key: "sink.delivery-guarantee", Value: "at-least-once", KeyPos: 4}},
		{"RESET", &ResetStmt{Node: Node{0, 5}}},
		{"RESET 'kafka.brokers'", &ResetStmt{Node: Node{0, 21}, Key: "kafka.brokers", KeyPos: 6}},
		{"SHOW sources", &ShowStmt{Node: Node{0, 12}, What: "SOURCES"}},
		{"SHOW TABLES FROM lake.db", &ShowStmt{Node: Node{0, 24}, What: "TABLES", From: &Ident{Parts: []string{"lake", "db"}, Pos: 17}}},
		{"SHOW CATALOGS", &ShowStmt{Node: Node{0, 13}, What: "CATALOGS"}},
		{"DESCRIBE chat_messages", &DescribeStmt{Node: Node{0, 22}, Name: Ident{Parts: []string{"chat_messages"}, Pos: 9}}},
		{"DESC `My Source`", &DescribeStmt{Node: Node{0, 16}, Name: Ident{Parts: []string{"My Source"}, Pos: 5}}},
		{"DESCRIBE JOB 'job-1'", &DescribeStmt{Node: Node{0, 20}, Name: Ident{Parts: []string{"job-1"}, Pos: 13}, Job: true}},
		{"DESCRIBE job", &DescribeStmt{Node: Node{0, 12}, Name: Ident{Parts: []string{"job"}, Pos: 9}}},
		{"DROP SOURCE IF EXISTS s", &DropStmt{Node: Node{0, 23}, What: "SOURCE", Name: Ident{Parts: []string{"s"}, Pos: 22}, IfExists: true}},
		{"drop catalog lake", &DropStmt{Node: Node{0, 17}, What: "CATALOG", Name: Ident{Parts: []string{"lake"}, Pos: 13}}},
		{"STOP JOB 'abc-1'", &StopJobStmt{Node: Node{0, 16}, JobID: "abc-1", Pos: 9}},
		{"STOP JOB job1", &StopJobStmt{Node: Node{0, 13}, JobID: "job1", Pos: 9}},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			got := mustParse(t, tc.sql)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestCreateRelation(t *testing.T) {
	sql := "CREATE OR REPLACE TABLE IF NOT EXISTS lake.db.`users` (\n" +
		"  id BIGINT NOT NULL COMMENT 'the key',\n" +
		"  amount DECIMAL(10, 2),\n" +
		"  ts TIMESTAMP(3) WITH LOCAL TIME ZONE,\n" +
		"  ts2 TIMESTAMP(3),\n" +
		"  d DOUBLE PRECISION,\n" +
		"  part INT METADATA VIRTUAL,\n" +
		"  day AS CAST(ts AS DATE) COMMENT 'derived',\n" +
		"  PRIMARY KEY (id, `part`) NOT ENFORCED\n" +
		") COMMENT 'users table' PARTITIONED BY (days(ts), bucket(16, id))\n" +
		"WITH (connector = iceberg, 'table' = 'db.users', sink.rolling-policy.file-size = 128MB, n = -1)"
	s := mustParse(t, sql).(*CreateRelationStmt)
	if !s.Table || !s.OrReplace || !s.IfNotExists || s.Name.String() != "lake.db.users" {
		t.Errorf("header: %+v", s)
	}
	wantTypes := []types.Type{{Kind: types.KindBigInt, NotNull: true}, types.Decimal(10, 2), types.TimestampLTZ,
		types.Timestamp, types.Double, types.Int, {}}
	for i, w := range wantTypes {
		if s.Columns[i].Type != w {
			t.Errorf("column %s type %v, want %v", s.Columns[i].Name, s.Columns[i].Type, w)
		}
	}
	if s.Columns[0].Comment != "the key" || s.Columns[6].Comment != "derived" || s.Columns[6].Computed.Text() != "CAST(ts AS DATE)" {
		t.Errorf("comments/computed: %+v / %+v", s.Columns[0], s.Columns[6])
	}
	if m := s.Columns[5].Metadata; m == nil || m.Key != "" || !m.Virtual {
		t.Errorf("metadata: %+v", m)
	}
	if len(s.PrimaryKey) != 2 || s.PrimaryKey[1].String() != "part" || s.PKPos != strings.Index(sql, "PRIMARY") {
		t.Errorf("primary key: %+v at %d", s.PrimaryKey, s.PKPos)
	}
	if s.Comment != "users table" || len(s.PartitionedBy) != 2 || s.PartitionedBy[1].Text() != "bucket(16, id)" {
		t.Errorf("comment/partitions: %q %+v", s.Comment, s.PartitionedBy)
	}
	wantOpts := []Option{{Key: "connector", Value: "iceberg"}, {Key: "table", Value: "db.users"},
		{Key: "sink.rolling-policy.file-size", Value: "128MB"}, {Key: "n", Value: "-1"}}
	for i, w := range wantOpts {
		if o := s.Options[i]; o.Key != w.Key || o.Value != w.Value {
			t.Errorf("option %d = %s=%s, want %s=%s", i, o.Key, o.Value, w.Key, w.Value)
		}
	}
	if s.WithPos != strings.Index(sql, "WITH (") {
		t.Errorf("WithPos %d", s.WithPos)
	}
}

func TestColumnPrimaryKeyAndNoWith(t *testing.T) {
	s := mustParse(t, "CREATE TABLE t (k STRING PRIMARY KEY NOT ENFORCED, v INT)").(*CreateRelationStmt)
	if len(s.PrimaryKey) != 1 || s.PrimaryKey[0].String() != "k" || s.Options != nil || s.WithPos != len("CREATE TABLE t (k STRING PRIMARY KEY NOT ENFORCED, v INT)") {
		t.Errorf("got %+v", s)
	}
	s = mustParse(t, "CREATE SOURCE s (a INT, CONSTRAINT pk PRIMARY KEY (a) NOT ENFORCED) WITH ()").(*CreateRelationStmt)
	if len(s.PrimaryKey) != 1 || s.Options == nil || len(s.Options) != 0 {
		t.Errorf("got %+v", s)
	}
}

func TestQueriesAndOtherCreates(t *testing.T) {
	tests := []struct {
		sql   string
		check func(t *testing.T, st Statement)
	}{
		{"SELECT a FROM t", func(t *testing.T, st Statement) {
			q := st.(*QueryStmt).Query
			if _, ok := q.Stmt.(*ast.SelectStmt); !ok || q.Start != 0 || q.End != 15 {
				t.Errorf("query %+v", q)
			}
		}},
		{"WITH x AS (SELECT 1 AS a) SELECT a FROM x", func(t *testing.T, st Statement) {
			if _, ok := st.(*QueryStmt).Query.Stmt.(*ast.SelectStmt); !ok {
				t.Errorf("got %T", st.(*QueryStmt).Query.Stmt)
			}
		}},
		{"(SELECT a FROM t) UNION ALL (SELECT b FROM u)", func(t *testing.T, st Statement) {
			if _, ok := st.(*QueryStmt).Query.Stmt.(*ast.SetOprStmt); !ok {
				t.Errorf("got %T", st.(*QueryStmt).Query.Stmt)
			}
		}},
		{"CREATE SINK IF NOT EXISTS out AS SELECT * FROM s", func(t *testing.T, st Statement) {
			s := st.(*CreateSinkStmt)
			if !s.IfNotExists || s.Options != nil || s.Query.Start != 33 {
				t.Errorf("got %+v", s)
			}
		}},
		{"CREATE OR REPLACE VIEW v (a, b) AS SELECT x, y FROM s", func(t *testing.T, st Statement) {
			s := st.(*CreateViewStmt)
			if !s.OrReplace || len(s.Columns) != 2 || s.Columns[1].String() != "b" || s.Query == nil {
				t.Errorf("got %+v", s)
			}
		}},
		{"INSERT INTO lake.db.t (a, b) SELECT x, y FROM s", func(t *testing.T, st Statement) {
			s := st.(*InsertStmt)
			if s.Table.String() != "lake.db.t" || len(s.Columns) != 2 || s.Query == nil {
				t.Errorf("got %+v", s)
			}
		}},
		{"INSERT INTO t (SELECT x FROM s)", func(t *testing.T, st Statement) {
			s := st.(*InsertStmt)
			if s.Columns != nil || s.Query == nil {
				t.Errorf("got %+v", s)
			}
		}},
		{"EXPLAIN SELECT 1", func(t *testing.T, st Statement) {
			if _, ok := st.(*ExplainStmt).Stmt.(*QueryStmt); !ok {
				t.Errorf("got %T", st.(*ExplainStmt).Stmt)
			}
		}},
		{"EXPLAIN CREATE SINK s WITH ('connector' = 'print') AS SELECT 1", func(t *testing.T, st Statement) {
			e := st.(*ExplainStmt)
			if s, ok := e.Stmt.(*CreateSinkStmt); !ok || s.Start != 8 || e.Start != 0 {
				t.Errorf("got %+v", e.Stmt)
			}
		}},
		{"EXPLAIN INSERT INTO t SELECT 1", func(t *testing.T, st Statement) {
			if _, ok := st.(*ExplainStmt).Stmt.(*InsertStmt); !ok {
				t.Errorf("got %T", st.(*ExplainStmt).Stmt)
			}
		}},
		{"CREATE CATALOG lake2 WITH ('type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://localhost:8181')", func(t *testing.T, st Statement) {
			s := st.(*CreateCatalogStmt)
			if s.Name.String() != "lake2" || len(s.Options) != 3 || s.Options[2].Value != "http://localhost:8181" {
				t.Errorf("got %+v", s)
			}
		}},
		{"ALTER TABLE lake.db.t ADD COLUMN score DOUBLE COMMENT 'x'", func(t *testing.T, st Statement) {
			s := st.(*AlterTableStmt)
			if s.Table.String() != "lake.db.t" || len(s.AddColumns) != 1 || s.AddColumns[0].Type != types.Double || s.AddColumns[0].Comment != "x" {
				t.Errorf("got %+v", s)
			}
		}},
		{"ALTER TABLE t ADD (a INT NOT NULL, b VARCHAR(20))", func(t *testing.T, st Statement) {
			s := st.(*AlterTableStmt)
			if len(s.AddColumns) != 2 || !s.AddColumns[0].Type.NotNull || s.AddColumns[1].Type.Precision != 20 {
				t.Errorf("got %+v", s)
			}
		}},
		{"ALTER TABLE lake.db.t SET ('commit.manifest-merge.enabled' = 'true', write.target-file-size-bytes = 1000)", func(t *testing.T, st Statement) {
			s := st.(*AlterTableStmt)
			if len(s.AddColumns) != 0 || len(s.SetProperties) != 2 || s.SetProperties[0].Key != "commit.manifest-merge.enabled" ||
				s.SetProperties[0].Value != "true" || s.SetProperties[1].Key != "write.target-file-size-bytes" || s.SetProperties[1].Value != "1000" ||
				s.SetProperties[0].KeyPos != 27 {
				t.Errorf("got %+v", s)
			}
		}},
		{"ALTER TABLE t RESET ('a.b', c)", func(t *testing.T, st Statement) {
			s := st.(*AlterTableStmt)
			if len(s.ResetProperties) != 2 || s.ResetProperties[0].Key != "a.b" || s.ResetProperties[1].Key != "c" || s.ResetProperties[1].KeyPos != 28 {
				t.Errorf("got %+v", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) { tc.check(t, mustParse(t, tc.sql)) })
	}
}

func TestScriptSpans(t *testing.T) {
	text := "-- header\nSET a = b;\n\n/* c */ SELECT 1 ;\nSHOW JOBS"
	script, err := ParseScript(diag.NewSource("x.sql", text))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SET a = b", "SELECT 1", "SHOW JOBS"}
	for i, w := range want {
		s, e := script.Statements[i].Span()
		if text[s:e] != w {
			t.Errorf("statement %d spans %q, want %q", i, text[s:e], w)
		}
	}
}

func TestQuotedOptionKeys(t *testing.T) {
	s := mustParse(t, "CREATE SOURCE s (a INT) WITH (`connector` = \"kafka\", topic = t1)").(*CreateRelationStmt)
	if len(s.Options) != 2 || s.Options[0].Key != "connector" || s.Options[0].Value != "kafka" || s.Options[1].Value != "t1" {
		t.Errorf("options %+v", s.Options)
	}
	st := mustParse(t, "STOP JOB `j-1`").(*StopJobStmt)
	if st.JobID != "j-1" {
		t.Errorf("job id %q", st.JobID)
	}
}

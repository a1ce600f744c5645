-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testSimplePatternWithNulls
-- adapted: ORDER BY proctime -> ORDER BY ts, an event time derived from the arrival order: ts = TO_TIMESTAMP_LTZ(id, 0) (id is 1, 2, ... in input order); Scala collection -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  name VARCHAR,
  nullField VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT T.aid, T.bNull, T.cid, T.aNull
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      A.id AS aid,
      A.nullField AS aNull,
      LAST(B.nullField) AS bNull,
      C.id AS cid
    PATTERN (A B C)
    DEFINE
      A AS name = 'a' AND nullField IS NULL,
      B AS name = 'b' AND LAST(A.nullField) IS NULL,
      C AS name = 'c'
  ) AS T;

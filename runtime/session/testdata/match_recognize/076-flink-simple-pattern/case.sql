-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testSimplePattern
-- adapted: ORDER BY proctime -> ORDER BY ts, an event time derived from the arrival order: ts = TO_TIMESTAMP_LTZ(id, 0) (id is 1, 2, ... in input order); Scala collection -> input.jsonl; the Java escape \u006C in the query is the letter l
-- order: any
CREATE SOURCE t (
  id BIGINT,
  name VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT T.aid, T.bid, T.cid
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      `A"`.id AS aid,
      l.id AS bid,
      C.id AS cid
    PATTERN (`A"` l C)
    DEFINE
      `A"` AS name = 'a',
      l AS name = 'b',
      C AS name = 'c'
  ) AS T;

-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testAggregatesWithNullInputs
-- adapted: ORDER BY proctime -> ORDER BY ts, an event time derived from the arrival order: ts = TO_TIMESTAMP_LTZ(id, 0) (id is 1, 2, ... in input order); Scala collection -> input.jsonl; `SELECT *` spelled out
-- order: any
CREATE SOURCE t (
  id BIGINT,
  name VARCHAR,
  price BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT sumA, countAId, countAPrice, countAll, countAllPrice, endId
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      SUM(A.price) as sumA,
      COUNT(A.id) as countAId,
      COUNT(A.price) as countAPrice,
      COUNT(*) as countAll,
      COUNT(price) as countAllPrice,
      LAST(id) as endId
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A+ C)
    DEFINE
      A AS SUM(A.price) < 30,
      C AS C.name = 'c'
  ) AS T;

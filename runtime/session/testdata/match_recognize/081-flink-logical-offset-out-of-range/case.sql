-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testLogicalOffsetOutsideOfRangeInMeasures
-- adapted: ORDER BY proctime -> ORDER BY ts, ts = TO_TIMESTAMP_LTZ(tstamp, 0) (tstamp = 1..4 in input order); `SELECT *` spelled out
-- order: any
CREATE SOURCE t (
  symbol VARCHAR,
  tstamp BIGINT,
  price BIGINT,
  tax BIGINT,
  ts AS TO_TIMESTAMP_LTZ(tstamp, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT `first`, `last`, nullPrice
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      FIRST(DOWN.price) as `first`,
      LAST(DOWN.price) as `last`,
      FIRST(DOWN.price, 5) as nullPrice
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (DOWN{2,} UP)
    DEFINE
      DOWN AS price < LAST(DOWN.price, 1) OR LAST(DOWN.price, 1) IS NULL,
      UP AS price > LAST(DOWN.price)
  ) AS T;

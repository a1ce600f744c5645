-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testPartitionByWithParallelSource
-- adapted: the rowtime assigned from tstamp (epoch millis, assignAscendingTimestamps) is ts = TO_TIMESTAMP_LTZ(tstamp, 3); `SELECT *` spelled out
-- order: any
CREATE SOURCE t (
  symbol VARCHAR,
  tstamp BIGINT,
  price BIGINT,
  tax BIGINT,
  ts AS TO_TIMESTAMP_LTZ(tstamp, 3),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT symbol, bottom_tax, end_tax
FROM t
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES
      DOWN.tax AS bottom_tax,
      UP.tax AS end_tax
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (DOWN UP)
    DEFINE
      DOWN AS DOWN.price = 13,
      UP AS UP.price = 20
  ) AS T;

-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testEventsAreProperlyOrdered
-- adapted: the rowtime of each Left(ts, row) is the column rowtime_ms (epoch millis) and ts = TO_TIMESTAMP_LTZ(rowtime_ms, 3); the source's explicit watermarks (Right(3), Right(5), Right(8), Right(11)) are replaced by WATERMARK FOR ts AS ts - INTERVAL '1' HOUR (none of them made a row late in the source either)
-- order: any
CREATE SOURCE t (
  rowtime_ms BIGINT,
  secondaryOrder BIGINT,
  ternaryOrder BIGINT,
  name VARCHAR,
  id BIGINT,
  ts AS TO_TIMESTAMP_LTZ(rowtime_ms, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' HOUR
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT T.aid, T.bid, T.cid
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts, secondaryOrder DESC, ternaryOrder ASC
    MEASURES
      A.id AS aid,
      B.id AS bid,
      C.id AS cid
    PATTERN (A B C)
    DEFINE
      A AS name = 'a',
      B AS name = 'b',
      C AS name = 'c'
  ) AS T;

-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/java/org/apache/flink/table/planner/plan/nodes/exec/stream/MatchRecognizeTestPrograms.java
-- case: MATCH_ORDER_BY_EVENT_TIME (match-order-by-event-time)
-- adapted: none beyond the format: the rows produced before and after the restore are concatenated into one input and the expected rows into one output; INT -> BIGINT; the event-time column keeps the source's name rowtime (= TO_TIMESTAMP(ts))
-- order: any
CREATE SOURCE t (
  ts VARCHAR,
  price BIGINT,
  sequence_num BIGINT,
  rowtime AS TO_TIMESTAMP(ts),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '2' SECOND
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT `first`, `last`, up
FROM t
  MATCH_RECOGNIZE (
    ORDER BY rowtime
    MEASURES
      FIRST(DOWN.price) as `first`,
      LAST(DOWN.price) as `last`,
      UP.price as up
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (DOWN{2,} UP)
    DEFINE
      DOWN AS price < LAST(DOWN.price, 1) OR LAST(DOWN.price, 1) IS NULL,
      UP AS price > LAST(DOWN.price)
  ) AS T;

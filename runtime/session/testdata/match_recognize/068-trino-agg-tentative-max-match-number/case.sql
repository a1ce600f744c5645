-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testTentativeLabelMatchWithRuntimeEvaluatedAggregationArgument: DEFINE A AS max(value + MATCH_NUMBER()) > 5
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; rows of different partitions are not in global event-time order (ids restart per partition), so the watermark lags by 1 hour (WATERMARK FOR ts AS ts - INTERVAL '1' HOUR) and no row is late; alias `partition` back-quoted (reserved word)
-- order: any
CREATE SOURCE t (
  id BIGINT,
  part VARCHAR,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts - INTERVAL '1' HOUR
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.part AS `partition`, m.id AS row_id, m.classy, m.running_max
FROM t
  MATCH_RECOGNIZE (
    PARTITION BY part
    ORDER BY ts
    MEASURES
      RUNNING max(value) AS running_max,
      CLASSIFIER() AS classy
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN ((A | B)*)
    DEFINE A AS max(value + MATCH_NUMBER()) > 5
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testPartitioningAndOrdering: no partitioning, unordered input
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; the alias `match` is back-quoted (MATCH is reserved in our parser); the input is not in event-time order (the source tests unordered input), so the watermark lags by 1 hour (WATERMARK FOR ts AS ts - INTERVAL '1' HOUR) and no row is late: the engine must sort by event time
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts - INTERVAL '1' HOUR
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id AS row_id, m.`match`, m.val, m.label
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      MATCH_NUMBER() AS `match`,
      RUNNING LAST(value) AS val,
      CLASSIFIER() AS label
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (B+)
    DEFINE B AS B.value < PREV (B.value)
  ) AS m;

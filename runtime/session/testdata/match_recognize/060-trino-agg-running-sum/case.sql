-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testSimpleQuery: RUNNING sum(id)
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.running_sum
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES RUNNING sum(id) AS running_sum
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A*)
    DEFINE A AS true
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testBalancingSums
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.classy, m.running_sum_A, m.running_sum_B
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      RUNNING sum(A.value) AS running_sum_A,
      RUNNING sum(B.value) AS running_sum_B,
      CLASSIFIER() AS classy
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN ((A | B)*)
    DEFINE A AS sum(A.value) - A.value <= sum(B.value)
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testRunningAndFinalAggregations
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; the alias `match` is back-quoted (MATCH is reserved in our parser); the source's array_agg measures (running_labels, final_labels) are dropped (no ARRAY type); the remaining measures are unchanged
-- order: any
CREATE SOURCE t (
  id BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.`match`, m.running_match, m.final_match
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      MATCH_NUMBER() AS `match`,
      RUNNING sum(MATCH_NUMBER() * 100) AS running_match,
      FINAL sum(-MATCH_NUMBER()) AS final_match
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C D)
    DEFINE A AS true
  ) AS m;

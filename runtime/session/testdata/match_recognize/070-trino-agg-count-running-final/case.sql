-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testCountAggregation: explicit RUNNING or FINAL semantics
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; the source's measures `RUNNING count() AS measure_3` and `FINAL count() AS measure_4` (Trino's zero-argument count) are dropped
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.measure_1, m.measure_2
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      RUNNING count(*) AS measure_1,
      FINAL count(*) AS measure_2
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C D)
    DEFINE A AS true
  ) AS m;

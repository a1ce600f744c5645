-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testCountAggregation: count(*)
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; the source's second measure `count() AS measure_2` (Trino's zero-argument count, same values) is dropped
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.measure_1
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES count(*) AS measure_1
    ALL ROWS PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (X Y Z)
    DEFINE X AS id > 1
  ) AS m;

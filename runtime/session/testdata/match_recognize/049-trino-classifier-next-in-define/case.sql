-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testClassifierFunctionPastCurrentRow: NEXT(CLASSIFIER()) in DEFINE is always NULL
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.val
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES value AS val
    ALL ROWS PER MATCH
    PATTERN (A+)
    DEFINE A AS NEXT(CLASSIFIER()) = 'A'
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testBackReference: defining condition of X refers to input values at matched labels A and B
-- adapted: ORDER BY value -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(value, 0); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(value, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT value, classy, defining_condition
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      CLASSIFIER() AS classy,
      PREV(LAST(A.value), 3) + FIRST(A.value) + PREV(LAST(B.value), 2) AS defining_condition
    ALL ROWS PER MATCH
    PATTERN ((A | B)* X)
    DEFINE X AS value = PREV(LAST(A.value), 3) + FIRST(A.value) + PREV(LAST(B.value), 2)
  );

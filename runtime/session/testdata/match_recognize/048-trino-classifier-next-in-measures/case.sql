-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testClassifierFunctionPastCurrentRow: NEXT(CLASSIFIER()) in MEASURES
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.value, m.label, m.next_label
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      CLASSIFIER() AS label,
      NEXT(CLASSIFIER()) AS next_label
    ALL ROWS PER MATCH
    PATTERN (A B+ C+)
    DEFINE
      B AS B.value < PREV(B.value),
      C AS C.value > PREV(C.value)
  ) AS m;

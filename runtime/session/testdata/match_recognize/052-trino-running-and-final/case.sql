-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testRunningAndFinal
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT id, label, final_label, running_value, final_value, A_running_value, A_final_value, B_running_value, B_final_value, C_running_value, C_final_value
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      CLASSIFIER() AS label,
      FINAL LAST(CLASSIFIER()) AS final_label,
      RUNNING LAST(value) AS running_value,
      FINAL LAST(value) AS final_value,
      RUNNING LAST(A.value) AS A_running_value,
      FINAL LAST(A.value) AS A_final_value,
      RUNNING LAST(B.value) AS B_running_value,
      FINAL LAST(B.value) AS B_final_value,
      RUNNING LAST(C.value) AS C_running_value,
      FINAL LAST(C.value) AS C_final_value
    ALL ROWS PER MATCH
    PATTERN (A B+ C+)
    DEFINE
      B AS B.value < PREV (B.value),
      C AS C.value > PREV (C.value)
  );

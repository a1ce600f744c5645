-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testLabelAndColumnNames: column A and label A
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  A VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.classy, m.measure_1, m.measure_2, m.measure_3
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      CLASSIFIER() AS classy,
      count(A.A) AS measure_1,
      count(A) AS measure_2,
      count(A.*) AS measure_3
    ALL ROWS PER MATCH
    PATTERN (A B A A)
    DEFINE A AS true
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testBackReference: defining condition of X refers to A
-- adapted: the source's VALUES 1, 1 has no ordering column and no ORDER BY: an `id` column (row position 1, 2) was added for the event time and ORDER BY ts was added; inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT value, classy
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES CLASSIFIER() AS classy
    ALL ROWS PER MATCH
    PATTERN ((A | B)* X)
    DEFINE X AS value = A.value
  );

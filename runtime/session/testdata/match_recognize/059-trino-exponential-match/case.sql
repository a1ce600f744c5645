-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testExponentialMatch
-- adapted: ORDER BY value -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(value, 0); inline VALUES -> input.jsonl
-- order: any
CREATE SOURCE t (
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(value, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.classy
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES CLASSIFIER() AS classy
    ALL ROWS PER MATCH
    PATTERN ((A | B)+ LAST)
    DEFINE LAST AS FIRST(CLASSIFIER()) = 'B' AND
                   FIRST(CLASSIFIER(), 1) = 'B' AND
                   FIRST(CLASSIFIER(), 2) = 'B' AND
                   FIRST(CLASSIFIER(), 3) = 'B' AND
                   FIRST(CLASSIFIER(), 4) = 'B' AND
                   FIRST(CLASSIFIER(), 5) = 'B' AND
                   FIRST(CLASSIFIER(), 6) = 'B' AND
                   FIRST(CLASSIFIER(), 7) = 'B'
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testCaseSensitiveLabels
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; the delimited label "b" is written with back-quotes (`b`), our parser's identifier quotes (double quotes delimit strings in MySQL syntax)
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.label
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES CLASSIFIER() AS label
    ALL ROWS PER MATCH
    PATTERN (a `b`+ C+)
    DEFINE
      `b` AS `b`.value < PREV(`b`.value),
      C AS C.value > PREV(C.value)
  ) AS m;

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testScalarFunctions
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; `CAST(lower(LAST(CLASSIFIER())) || '_label' AS varchar(7))` -> `CONCAT(LOWER(LAST(CLASSIFIER())), '_label')` (|| is OR in MySQL syntax; the cast to varchar(7) does not change these 7-character values)
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
    MEASURES CONCAT(LOWER(LAST(CLASSIFIER())), '_label') AS label
    ALL ROWS PER MATCH
    PATTERN (A B+)
    DEFINE B AS B.value + 10 < ABS(PREV (B.value))
  ) AS m;

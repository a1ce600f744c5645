-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testPotentiallyExponentialMatch
-- adapted: the source's 20 rows VALUES (1) have no ordering column and no ORDER BY: an `id` column (row position 1..20) was added for the event time and ORDER BY ts was added
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.classy
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES CLASSIFIER() AS classy
    PATTERN ((A+)+ B)
    DEFINE
      A AS value = 1,
      B AS value = 2
  ) AS m;

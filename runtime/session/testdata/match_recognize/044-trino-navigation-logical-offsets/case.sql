-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testNavigationFunctions: with logical offset (FINAL LAST(value, 2), LAST(value, 10), FIRST(value, 10))
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; several single-measure assertions of the source (same query, same data, only the measure differs) are combined into one query with one measure per column, keyed by id
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.final_last_2, m.last_10, m.first_10
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      FINAL LAST(value, 2) AS final_last_2,
      LAST(value, 10) AS last_10,
      FIRST(value, 10) AS first_10
    ALL ROWS PER MATCH
    PATTERN (A+)
    DEFINE A AS true
  ) AS m;

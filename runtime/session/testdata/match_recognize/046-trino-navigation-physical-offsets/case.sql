-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testNavigationFunctions: with physical offset (PREV, NEXT, nested PREV/NEXT over FIRST/LAST)
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; several single-measure assertions of the source (same query, same data, only the measure differs) are combined into one query with one measure per column, keyed by id
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.prev_value, m.next_value, m.next_first_2, m.next_first_10, m.prev_first_10, m.prev_first10_2, m.prev_last10_2
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      PREV(value) AS prev_value,
      NEXT(value) AS next_value,
      NEXT(FIRST(value), 2) AS next_first_2,
      NEXT(FIRST(value), 10) AS next_first_10,
      PREV(FIRST(value), 10) AS prev_first_10,
      PREV(FIRST(value, 10), 2) AS prev_first10_2,
      PREV(LAST(value, 10), 2) AS prev_last10_2
    ALL ROWS PER MATCH
    PATTERN (A+)
    DEFINE A AS true
  ) AS m;

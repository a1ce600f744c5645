-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testNavigationFunctions: lookup to rows not included in match, but within partition
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; the five single-measure assertions are combined into one query with one measure per column (one output row)
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.prev_4, m.prev_3, m.prev_2, m.next_1, m.next_2
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      PREV(B.value, 4) AS prev_4,
      PREV(B.value, 3) AS prev_3,
      PREV(B.value, 2) AS prev_2,
      NEXT(B.value, 1) AS next_1,
      NEXT(B.value, 2) AS next_2
    ONE ROW PER MATCH
    PATTERN (A B)
    DEFINE B AS B.value = PREV(B.value)
  ) AS m;

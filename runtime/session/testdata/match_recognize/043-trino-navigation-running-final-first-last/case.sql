-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestRowPatternMatching.java
-- case: testNavigationFunctions: value, LAST, RUNNING LAST, FINAL LAST, FIRST, RUNNING FIRST, FINAL FIRST
-- adapted: ORDER BY id -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(id, 0) (id seconds); inline VALUES -> input.jsonl; several single-measure assertions of the source (same query, same data, only the measure differs) are combined into one query with one measure per column, keyed by id
-- order: any
CREATE SOURCE t (
  id BIGINT,
  value BIGINT,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT m.id, m.m_value, m.m_last, m.m_running_last, m.m_final_last, m.m_first, m.m_running_first, m.m_final_first
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      value AS m_value,
      LAST(value) AS m_last,
      RUNNING LAST(value) AS m_running_last,
      FINAL LAST(value) AS m_final_last,
      FIRST(value) AS m_first,
      RUNNING FIRST(value) AS m_running_first,
      FINAL FIRST(value) AS m_final_first
    ALL ROWS PER MATCH
    PATTERN (A+)
    DEFINE A AS true
  ) AS m;

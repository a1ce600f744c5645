-- source: https://github.com/ydb-platform/ydb/blob/main/ydb/docs/en/core/yql/reference/syntax/select/match_recognize.md
-- case: MEASURES example (PATTERN (B1+ B2 B3))
-- adapted: the source's column ts is a BIGINT used only for ordering: the event time is the computed column et = TO_TIMESTAMP_LTZ(ts, 0) (ts seconds) and ORDER BY ts -> ORDER BY et; the documented input table -> input.jsonl; `PRAGMA FeatureR010` dropped; the documented fragment has no ORDER BY: ORDER BY et added; its measures `AGGREGATE_LIST(...) AS ids` (YQL list aggregate) and `COUNT(DISTINCT B1.zone_id) AS count_zones` (DISTINCT aggregate) are dropped, the other two kept
CREATE SOURCE t (
  ts BIGINT,
  button BIGINT,
  device_id BIGINT,
  zone_id BIGINT,
  et AS TO_TIMESTAMP_LTZ(ts, 0),
  WATERMARK FOR et AS et
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT time_diff, meaning_of_life FROM t MATCH_RECOGNIZE (
    ORDER BY et
    MEASURES
        LAST(B3.ts) - FIRST(B1.ts) AS time_diff,
        42 AS meaning_of_life
    PATTERN (B1+ B2 B3)
    DEFINE
        B1 AS B1.button = 1,
        B2 AS B2.button = 2,
        B3 AS B3.button = 3
);

-- source: https://github.com/ydb-platform/ydb/blob/main/ydb/docs/en/core/yql/reference/syntax/select/match_recognize.md
-- case: AFTER MATCH SKIP examples: AFTER MATCH SKIP TO NEXT ROW
-- adapted: the source's column ts is a BIGINT used only for ordering: the event time is the computed column et = TO_TIMESTAMP_LTZ(ts, 0) (ts seconds) and ORDER BY ts -> ORDER BY et; the documented input table -> input.jsonl; `PRAGMA FeatureR010` dropped; the documented fragment has no ORDER BY: ORDER BY et added
-- order: any
CREATE SOURCE t (
  ts BIGINT,
  button BIGINT,
  et AS TO_TIMESTAMP_LTZ(ts, 0),
  WATERMARK FOR et AS et
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT first_ts, last_ts FROM t MATCH_RECOGNIZE (
    ORDER BY et
    MEASURES
        FIRST(B1.ts) AS first_ts,
        LAST(B3.ts) AS last_ts
    AFTER MATCH SKIP TO NEXT ROW
    PATTERN (B1+ B2 B3)
    DEFINE
        B1 AS B1.button = 1,
        B2 AS B2.button = 2,
        B3 AS B3.button = 3
);

-- source: https://github.com/ydb-platform/ydb/blob/main/ydb/docs/en/core/yql/reference/syntax/select/match_recognize.md
-- case: Example of usage (PARTITION BY device_id, zone_id; PATTERN (B1 B2+ B3); AFTER MATCH SKIP TO NEXT ROW)
-- adapted: the source's column ts is a BIGINT used only for ordering: the event time is the computed column et = TO_TIMESTAMP_LTZ(ts, 0) (ts seconds) and ORDER BY ts -> ORDER BY et; the documented input table -> input.jsonl; `PRAGMA FeatureR010` dropped; the input is listed in descending ts, so the watermark lags by 1 hour (WATERMARK FOR et AS et - INTERVAL '1' HOUR) and no row is late; `SELECT *` spelled out
-- order: any
CREATE SOURCE t (
  ts BIGINT,
  button BIGINT,
  device_id BIGINT,
  zone_id BIGINT,
  et AS TO_TIMESTAMP_LTZ(ts, 0),
  WATERMARK FOR et AS et - INTERVAL '1' HOUR
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT b1, b3, device_id, zone_id FROM t MATCH_RECOGNIZE (
    PARTITION BY device_id, zone_id
    ORDER BY et
    MEASURES
        LAST(B1.ts) AS b1,
        LAST(B3.ts) AS b3
    ONE ROW PER MATCH
    AFTER MATCH SKIP TO NEXT ROW
    PATTERN (B1 B2+ B3)
    DEFINE
        B1 AS B1.button = 1,
        B2 AS B2.button = 2,
        B3 AS B3.button = 3
);

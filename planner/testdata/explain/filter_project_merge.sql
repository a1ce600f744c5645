CREATE SOURCE s (a BIGINT, b VARCHAR, ts BIGINT, et AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR et AS et - INTERVAL '1' SECOND)
  WITH ('connector' = 'file', 'path' = '/tmp/x.jsonl', 'format' = 'json');
CREATE VIEW v AS SELECT a * 2 AS a2, UPPER(b) AS ub, et FROM s WHERE a > 0;
EXPLAIN SELECT a2 + 1 AS n, ub FROM v WHERE ub LIKE 'X%' AND a2 < 100;

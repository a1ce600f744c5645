-- SHOW TIMEOUT MATCHES with WITHIN: a login with no purchase within 10 minutes
-- is reported when the watermark passes login time + 10 minutes.
CREATE SOURCE clicks (
  user_id VARCHAR,
  action  VARCHAR,
  ts      TIMESTAMP_LTZ(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '/tmp/clicks.jsonl', 'format' = 'json');
EXPLAIN
SELECT user_id, login_at, bought_at
FROM clicks
    MATCH_RECOGNIZE (
        PARTITION BY user_id
        ORDER BY ts
        MEASURES
            L.ts              AS login_at,
            B.ts              AS bought_at,
            MATCH_TIMED_OUT() AS timed_out
        ONE ROW PER MATCH SHOW TIMEOUT MATCHES
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (L X*? B) WITHIN INTERVAL '10' MINUTE
        DEFINE
            L AS action = 'login',
            X AS action <> 'buy',
            B AS action = 'buy'
    ) AS m
WHERE timed_out;

-- Optional: creates the Iceberg table lake.chat.user_stats ahead of
-- lake_user_stats.sql or full_pipeline.sql (whose readers otherwise read a
-- missing table as empty until their own sink creates it), or loads baseline
-- counts:
--
--   chatsql run queries/lake_user_stats_init.sql      (--data-dir: the lake's)
--
-- This is a bounded job over no rows: its sink creates the table and it ends. Running
-- it again on an existing table adds nothing. To start from known counts
-- instead, put JSON lines {"id": "base-alice", "username": "alice",
-- "messages": 120} in a file and name it in 'path'.

CREATE SOURCE baseline (id STRING, username STRING, messages BIGINT)
  WITH ('connector' = 'file', 'path' = '/dev/null', 'format' = 'json');

CREATE TABLE user_stats (
  id         STRING,
  username   STRING,
  messages   BIGINT,
  event_time TIMESTAMP_LTZ(3)
) PARTITIONED BY (bucket(16, username))
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'chat.user_stats');

INSERT INTO user_stats
SELECT id, username, messages, CAST(NULL AS TIMESTAMP_LTZ(3)) AS event_time FROM baseline;

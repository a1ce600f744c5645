-- Seed Exercise 3: enrich each message with the user's message count from
-- the lake, and write the counts back.
--
--   Kafka websocket_fanout -> USER_MESSAGEs -> total_messages from Iceberg
--   lake.chat.user_stats -> Kafka enriched_messages
--                        \-> one row per message into lake.chat.user_stats
--
-- lake.chat.user_stats is a table of COUNT ROWS, not one row per user: a row
-- says "this user sent `messages` messages" (a baseline loaded from elsewhere,
-- e.g. id 'base-alice', messages 120) and this job appends one row with
-- messages = 1 per message, keyed by the message id. A user's total is the
-- SUM of the user's rows. Why not one row per user, updated: chatsql has no
-- GROUP BY on streams, and a read-modify-write (join the user's row, write
-- back total + 1) loses increments, because a message does not see the rows
-- of the messages just before it until they are committed.
--
-- total_messages = the SUM over the rows of lake.chat.user_stats committed
-- and read when the message is processed (not counting the message itself):
-- the sink commits once per checkpoint and the table is polled every
-- 'monitor-interval', so messages of one user within that lag see the same
-- count. The rows themselves are exact: the sink is exactly once and the id
-- (UUID of topic/partition/offset) is stable under replay.
--
--   chatsql playground --generate 20 queries/lake_user_stats.sql
--   chatsql query "SELECT username, sum(messages) FROM chat.user_stats GROUP BY 1 ORDER BY 2 DESC"

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                                 -- epoch seconds, as in the seed
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  kafka_topic       VARCHAR METADATA FROM 'topic' VIRTUAL,
  kafka_partition   INT     METADATA FROM 'partition' VIRTUAL,
  kafka_offset      BIGINT  METADATA FROM 'offset' VIRTUAL,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'lake-user-stats',
  'dead-letter.topic' = 'chat_dead_letter'
);

-- Read (streaming: each new snapshot's rows arrive as they are committed)
-- and written by this file. Created by the sink when it does not exist.
CREATE TABLE user_stats (
  id         STRING,            -- the message id, or any unique id of a baseline row
  username   STRING,
  messages   BIGINT,            -- 1 for a message; a baseline row holds its count
  event_time TIMESTAMP_LTZ(3),
  PRIMARY KEY (id) NOT ENFORCED
) PARTITIONED BY (bucket(16, username))
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'chat.user_stats',
        'streaming' = 'true', 'monitor-interval' = '10 s');

-- 1. The counts to the lake: one row per message, exactly once. First, so
-- that on an empty lake its sink creates the table before statement 2 reads it.
INSERT INTO user_stats
SELECT CONCAT('msg-', UUID(kafka_topic, kafka_partition, kafka_offset)) AS id,
       username,
       CAST(1 AS BIGINT) AS messages,
       event_time
FROM chat_messages
WHERE type = 'USER_MESSAGE';

-- 2. Each message with the user's count, to Kafka.
CREATE SINK enriched_messages WITH (
  'connector' = 'kafka',
  'topic' = 'enriched_messages',
  'format' = 'json'
) AS
SELECT CONCAT('msg-', UUID(kafka_topic, kafka_partition, kafka_offset)) AS id,
       m.username,
       m.text,
       m.preferredLanguage,
       m.`timestamp`,
       COALESCE((SELECT SUM(s.messages) FROM user_stats s WHERE s.username = m.username), 0) AS total_messages
FROM chat_messages m
WHERE m.type = 'USER_MESSAGE';

-- Seed Lesson 4: all the patterns together.
--
--   Kafka websocket_fanout -> parse
--     -> MATCH_RECOGNIZE spam bursts                      -> Kafka chat_alerts
--     -> USER_MESSAGEs: moderate with the live rules (block, mask, flag),
--        enrich with the user's message count from the lake, TRANSLATE
--                                                         -> Kafka processing_fanout
--     -> one count row per message                        -> Iceberg lake.chat.user_stats
--   Kafka processing_fanout                               -> Iceberg lake.chat.messages
--
-- Four statements, four jobs. The history table is written from what was
-- published on processing_fanout (masked text, blocked messages absent), so
-- each message is translated once, not once per sink; its rows have the same
-- columns as lake_history_sink.sql's. lake.chat.user_stats is explained in
-- lake_user_stats.sql (count rows: a user's total is the SUM of them).
--
--   chatsql playground --generate 50 queries/full_pipeline.sql
--   chatsql query "SELECT username, count(*) FROM chat.messages GROUP BY 1 ORDER BY 2 DESC"

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                                 -- epoch seconds, as in the seed
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  kafka_topic       VARCHAR METADATA FROM 'topic' VIRTUAL,  -- the message id is derived
  kafka_partition   INT     METADATA FROM 'partition' VIRTUAL,  -- from these: stable
  kafka_offset      BIGINT  METADATA FROM 'offset' VIRTUAL,     -- under replay
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'full-pipeline',
  'dead-letter.topic' = 'chat_dead_letter'
);

-- Live rules (Lesson 2): one record per word, keyed by the word; a tombstone
-- lifts the ban. See rules_moderation.sql.
CREATE TABLE moderation_rules (
  word   VARCHAR,                   -- lower case
  action VARCHAR,                   -- 'mask', 'block' or 'flag'
  PRIMARY KEY (word) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'moderation_rules',
  'mode' = 'upsert',
  'format' = 'json',
  'key.format' = 'raw'
);

-- History (Lesson 3): per-user count rows, read as they are committed.
CREATE TABLE user_stats (
  id         STRING,
  username   STRING,
  messages   BIGINT,
  event_time TIMESTAMP_LTZ(3),
  PRIMARY KEY (id) NOT ENFORCED
) PARTITIONED BY (bucket(16, username))
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'chat.user_stats',
        'streaming' = 'true', 'monitor-interval' = '10 s');

-- The lake's message history, partitioned by day.
CREATE TABLE chat_history (
  id         STRING,
  username   STRING,
  text       STRING,
  translated STRING,
  language   STRING,
  type       STRING,
  event_time TIMESTAMP_LTZ(3)
) PARTITIONED BY (days(event_time))
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'chat.messages');

-- 1. Patterns (Lesson 1): 5 or more messages of a user within 10 seconds.
CREATE SINK spam_alerts WITH (
  'connector' = 'kafka',
  'topic' = 'chat_alerts',
  'format' = 'json'
) AS
SELECT 'SPAM' AS alert, username, first_at, last_at, messages
FROM chat_messages
MATCH_RECOGNIZE (
  PARTITION BY username
  ORDER BY event_time
  MEASURES
    FIRST(M.event_time) AS first_at,
    LAST(M.event_time)  AS last_at,
    COUNT(M.*)          AS messages
  ONE ROW PER MATCH
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (M{5,}) WITHIN INTERVAL '10' SECOND
  DEFINE
    M AS type = 'USER_MESSAGE'
) AS burst;

-- 2. Moderate, enrich, translate -> Kafka, in the seed's output format plus
-- flagged and total_messages (the user's messages in the lake when this
-- one was processed, this one not counted).
CREATE SINK processing_fanout WITH (
  'connector' = 'kafka',
  'topic' = 'processing_fanout',
  'format' = 'json'
) AS
SELECT 'chat_message' AS type,
       m.`timestamp`,
       JSON_OBJECT(
         'id',             CONCAT('msg-', UUID(m.kafka_topic, m.kafka_partition, m.kafka_offset)),
         'username',       m.username,
         'text',           MASK_WORDS(m.text, (SELECT GROUP_CONCAT(r.word) FROM moderation_rules r WHERE r.action = 'mask')),
         'translated',     TRANSLATE(MASK_WORDS(m.text, (SELECT GROUP_CONCAT(r.word) FROM moderation_rules r WHERE r.action = 'mask')),
                                     m.preferredLanguage),
         'language',       m.preferredLanguage,
         'flagged',        EXISTS (SELECT 1 FROM moderation_rules r
                                   WHERE r.action = 'flag' AND INSTR(LOWER(m.text), r.word) > 0),
         'total_messages', COALESCE((SELECT SUM(s.messages) FROM user_stats s WHERE s.username = m.username), 0)
       ) AS payload
FROM chat_messages m
WHERE m.type = 'USER_MESSAGE'
  AND NOT EXISTS (SELECT 1 FROM moderation_rules r
                  WHERE r.action = 'block' AND INSTR(LOWER(m.text), r.word) > 0);

-- 3. Every message a user sent (blocked ones too) counts: one row each.
INSERT INTO user_stats
SELECT CONCAT('msg-', UUID(kafka_topic, kafka_partition, kafka_offset)) AS id,
       username,
       CAST(1 AS BIGINT) AS messages,
       event_time
FROM chat_messages
WHERE type = 'USER_MESSAGE';

-- 4. What was published -> the lake (a second consumer of processing_fanout).
CREATE SOURCE published (
  type        VARCHAR,
  `timestamp` BIGINT,
  payload     JSON,
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0)
) WITH (
  'connector' = 'kafka',
  'topic' = 'processing_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'full-pipeline-lake'
);

INSERT INTO chat_history
SELECT JSON_VALUE(payload, '$.id')         AS id,
       JSON_VALUE(payload, '$.username')   AS username,
       JSON_VALUE(payload, '$.text')       AS text,
       JSON_VALUE(payload, '$.translated') AS translated,
       JSON_VALUE(payload, '$.language')   AS language,
       'USER_MESSAGE'                      AS type,
       event_time
FROM published;

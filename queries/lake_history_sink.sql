-- Seed Lesson 3, pattern 2: every chat message, translated, into the lake.
--
--   Kafka websocket_fanout -> parse JSON -> message id -> TRANSLATE
--   -> Iceberg lake.chat.messages, partitioned by day of event_time.
--
-- The id is a name-based UUID of the record's topic/partition/offset (as in
-- chat_pipeline.sql), so a record processed again after a restart gets the
-- same id; and the Iceberg sink commits once per checkpoint, exactly once:
-- after a crash the table holds every message once.
--
--   chatsql playground --generate 20 queries/lake_history_sink.sql
--   chatsql query "SELECT language, count(*) FROM chat.messages GROUP BY 1"
-- (the playground's data directory, and so the lake, is ./chatsql-data;
--  questions to ask the table are in lake_adhoc.sql)

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
  'properties.group.id' = 'lake-history-sink',
  'dead-letter.topic' = 'chat_dead_letter'
);

-- The Iceberg table; created (with this schema and partition spec) when the
-- job starts and it does not exist yet. An existing table keeps its own.
CREATE TABLE chat_history (
  id         STRING,            -- msg-<UUID of topic/partition/offset>
  username   STRING,
  text       STRING,
  translated STRING,            -- NULL when the LLM gave no translation
  language   STRING,            -- the reader's preferred language
  type       STRING,            -- USER_MESSAGE, USER_JOINED, ...
  event_time TIMESTAMP_LTZ(3)
) PARTITIONED BY (days(event_time))
  WITH ('connector' = 'iceberg', 'catalog' = 'lake', 'table' = 'chat.messages');

INSERT INTO chat_history
SELECT CONCAT('msg-', UUID(kafka_topic, kafka_partition, kafka_offset)) AS id,
       username,
       text,
       TRANSLATE(text, preferredLanguage) AS translated,
       preferredLanguage AS language,
       type,
       event_time
FROM chat_messages;

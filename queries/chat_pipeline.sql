-- The seed's Phase-1 pipeline, in SQL.
--
--   Kafka websocket_fanout -> parse JSON -> add a message id -> TRANSLATE into
--   the reader's language (async, many calls in flight, order kept)
--   -> Kafka processing_fanout, in the seed's output format.
--
-- Run it against your Kafka and OpenAI-compatible LLM:
--   chatsql run --kafka-brokers localhost:9092 --api-key "$OPENAI_API_KEY" queries/chat_pipeline.sql
-- or everything embedded:
--   chatsql playground --generate 20 queries/chat_pipeline.sql

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                                 -- epoch seconds, as in the seed
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),           -- event time
  kafka_topic       VARCHAR METADATA FROM 'topic' VIRTUAL,  -- where the record came from:
  kafka_partition   INT     METADATA FROM 'partition' VIRTUAL,  -- the message id is derived
  kafka_offset      BIGINT  METADATA FROM 'offset' VIRTUAL,     -- from these, so a replay
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND  -- gives the same id
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'chat-pipeline',
  'dead-letter.topic' = 'chat_dead_letter'   -- malformed records land here, counted
);

CREATE SINK processing_fanout WITH (
  'connector' = 'kafka',
  'topic' = 'processing_fanout',
  'format' = 'json'
) AS
SELECT 'chat_message' AS type,
       `timestamp`,
       JSON_OBJECT(
         -- a name-based UUID of topic/partition/offset: unique per record,
         -- the same when the record is processed again after a restart
         'id',         CONCAT('msg-', UUID(kafka_topic, kafka_partition, kafka_offset)),
         'username',   username,
         'text',       text,
         'translated', TRANSLATE(text, preferredLanguage),
         'language',   preferredLanguage
       ) AS payload
FROM chat_messages;

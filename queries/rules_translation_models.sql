-- Seed Lesson 2 / Exercise 2, broadcast state #3: language -> model mapping.
--
--   A compacted topic translation_models maps a reader's language to the LLM
--   that translates into it, keyed by language: {"language": "ja", "model":
--   "gpt-4o"}. TRANSLATE takes its model from the table for every message; a
--   language without a row uses the default model (translation.modelName).
--   Publishing a new mapping switches the model from the next message on.
--
--   chatsql playground --generate 20 queries/rules_translation_models.sql

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'rules-translation-models',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE TABLE translation_models (
  language VARCHAR,
  model    VARCHAR,
  PRIMARY KEY (language) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'translation_models',
  'mode' = 'upsert',
  'format' = 'json',
  'key.format' = 'raw'
);

CREATE SINK translated_messages WITH (
  'connector' = 'kafka',
  'topic' = 'processing_fanout',
  'format' = 'json'
) AS
SELECT m.username,
       m.text,
       m.preferredLanguage AS language,
       (SELECT t.model FROM translation_models t WHERE t.language = m.preferredLanguage) AS model,
       TRANSLATE(m.text, m.preferredLanguage,
                 (SELECT t.model FROM translation_models t WHERE t.language = m.preferredLanguage)) AS translated,
       m.`timestamp`
FROM chat_messages m
WHERE m.type = 'USER_MESSAGE';

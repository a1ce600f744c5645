-- Seed Lesson 2 / Exercise 2, broadcast state #1: moderation with banned words.
--
--   A compacted topic moderation_rules holds one record per word, keyed by the
--   word: {"word": "spam", "action": "mask" | "block" | "flag"}; a tombstone
--   (null value) lifts the ban. Every message is checked against all current
--   rules: 'block' drops it, 'mask' stars the word out, 'flag' marks it for a
--   human. A rule published while the job runs applies from the next message
--   on; no restart. The table is read to the end of its topic before the first
--   message is handled, so no message slips through while the rules load.
--
-- Beyond Flink SQL: EXISTS and scalar subqueries against a live table (Flink
-- needs a DataStream broadcast function for this); the word check is one
-- Aho-Corasick pass per message over all words, not one test per rule.
--
--   chatsql playground --generate 20 queries/rules_moderation.sql
--   (then publish rules: see docs/queries/rules_moderation.md)

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                                 -- epoch seconds, as in the seed
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'rules-moderation',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE TABLE moderation_rules (
  word   VARCHAR,                   -- lower case
  action VARCHAR,                   -- 'mask', 'block' or 'flag'
  PRIMARY KEY (word) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'moderation_rules',
  'mode' = 'upsert',                -- a record upserts its word, a tombstone deletes it
  'format' = 'json',
  'key.format' = 'raw'              -- the record key is the word itself
);

CREATE SINK moderated_messages WITH (
  'connector' = 'kafka',
  'topic' = 'moderated_messages',
  'format' = 'json'
) AS
SELECT m.username,
       -- every 'mask' word starred out (whole words, any case)
       MASK_WORDS(m.text, (SELECT GROUP_CONCAT(r.word) FROM moderation_rules r WHERE r.action = 'mask')) AS text,
       -- a 'flag' word anywhere in the text
       EXISTS (SELECT 1 FROM moderation_rules r
               WHERE r.action = 'flag' AND INSTR(LOWER(m.text), r.word) > 0) AS flagged,
       m.type,
       m.preferredLanguage,
       m.`timestamp`
FROM chat_messages m
-- a 'block' word anywhere drops the message
WHERE NOT EXISTS (SELECT 1 FROM moderation_rules r
                  WHERE r.action = 'block' AND INSTR(LOWER(m.text), r.word) > 0);

-- Seed Lesson 1, use case 1: spam detection.
--   A user sends 5 or more messages within 10 seconds -> an alert on chat_alerts.
--
-- Beyond Flink SQL: the greedy M{5,} ends the pattern (Flink rejects a greedy
-- quantifier there); the match is reported with ALL of the burst's messages
-- when the next row of the user is not a message or when the watermark
-- closes the 10 s WITHIN window, even if the user never writes again.
--
--   chatsql playground --generate 50 queries/cep_spam.sql

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                                 -- epoch seconds, as in the seed
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND  -- rows up to 5 s out of order are put back in order
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',
  'properties.group.id' = 'cep-spam',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE SINK spam_alerts WITH (
  'connector' = 'kafka',
  'topic' = 'chat_alerts',
  'format' = 'json'
) AS
SELECT 'SPAM' AS alert,
       username,
       first_at,
       last_at,
       messages
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

-- Seed Lesson 1, use case 3: abandonment detection.
--   A user joins and does not send a message within 2 minutes -> an alert.
--
-- Beyond Flink SQL: ONE ROW PER MATCH SHOW TIMEOUT MATCHES reports the partial
-- match whose WITHIN window closed (MATCH_TIMED_OUT() is true, M's measures
-- are NULL). It fires when the watermark passes joined time + 2 minutes,
-- even if the user never writes again: no later row is needed.

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
  'properties.group.id' = 'cep-abandonment',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE SINK abandonment_alerts WITH (
  'connector' = 'kafka',
  'topic' = 'chat_alerts',
  'format' = 'json'
) AS
SELECT 'ABANDONED' AS alert,
       username,
       joined_at
FROM chat_messages
MATCH_RECOGNIZE (
  PARTITION BY username
  ORDER BY event_time
  MEASURES
    J.event_time      AS joined_at,
    M.event_time      AS first_message_at,
    MATCH_TIMED_OUT() AS timed_out
  ONE ROW PER MATCH SHOW TIMEOUT MATCHES
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (J O*? M) WITHIN INTERVAL '2' MINUTE
  DEFINE
    J AS type = 'USER_JOINED',
    O AS type <> 'USER_MESSAGE',
    M AS type = 'USER_MESSAGE'
) AS visit
WHERE timed_out;

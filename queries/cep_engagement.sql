-- Seed Lesson 1, use case 2: engagement tracking.
--   A user joins -> asks a question -> someone else answers -> the user says
--   thanks, within 5 minutes -> an ENGAGED event.
--
-- The answer comes from another user, so the pattern runs over the whole
-- chat (no PARTITION BY) and relates rows by their variables: Q.username =
-- J.username, A.username <> J.username. X*? (reluctant) skips the other
-- traffic in between. SKIP TO NEXT ROW lets overlapping visits of different
-- users each find their match.

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
  'properties.group.id' = 'cep-engagement',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE SINK engagement_events WITH (
  'connector' = 'kafka',
  'topic' = 'chat_alerts',
  'format' = 'json'
) AS
SELECT 'ENGAGED' AS alert,
       username,
       joined_at,
       question,
       answered_by,
       thanked_at
FROM chat_messages
MATCH_RECOGNIZE (
  ORDER BY event_time
  MEASURES
    J.username   AS username,
    J.event_time AS joined_at,
    Q.text       AS question,
    A.username   AS answered_by,
    T.event_time AS thanked_at
  ONE ROW PER MATCH
  AFTER MATCH SKIP TO NEXT ROW
  PATTERN (J X*? Q X*? A X*? T) WITHIN INTERVAL '5' MINUTE
  DEFINE
    J AS J.type = 'USER_JOINED',
    Q AS Q.type = 'USER_MESSAGE' AND Q.username = J.username AND Q.text LIKE '%?%',
    A AS A.type = 'USER_MESSAGE' AND A.username <> J.username,
    T AS T.type = 'USER_MESSAGE' AND T.username = J.username AND (LOWER(T.text) LIKE '%thank%' OR LOWER(T.text) LIKE '%thx%')
) AS visit;

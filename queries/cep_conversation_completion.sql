-- Seed Lesson 1, use case 4: conversation completion.
--   A question, an answer from someone else, then no follow-up for 30
--   seconds -> the conversation is complete.
--
-- The question is found with physical navigation (PREV: the row before the
-- answer), so the pattern starts at the answer and its 30 s WITHIN window is
-- the silence after it. SHOW TIMEOUT MATCHES reports the answer whose window
-- closed with no follow-up F: that is the completed conversation, reported
-- when the watermark passes answer time + 30 s.

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
  'properties.group.id' = 'cep-conversation',
  'dead-letter.topic' = 'chat_dead_letter'
);

CREATE SINK completed_conversations WITH (
  'connector' = 'kafka',
  'topic' = 'chat_alerts',
  'format' = 'json'
) AS
SELECT 'CONVERSATION_COMPLETE' AS alert,
       asked_by,
       question,
       answered_by,
       answer,
       answered_at
FROM chat_messages
MATCH_RECOGNIZE (
  ORDER BY event_time
  MEASURES
    PREV(A.username)  AS asked_by,
    PREV(A.text)      AS question,
    A.username        AS answered_by,
    A.text            AS answer,
    A.event_time      AS answered_at,
    MATCH_TIMED_OUT() AS quiet
  ONE ROW PER MATCH SHOW TIMEOUT MATCHES
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A F) WITHIN INTERVAL '30' SECOND
  DEFINE
    A AS A.type = 'USER_MESSAGE' AND A.text NOT LIKE '%?%'
         AND PREV(A.type) = 'USER_MESSAGE' AND PREV(A.text) LIKE '%?%' AND PREV(A.username) <> A.username,
    F AS F.type = 'USER_MESSAGE'
) AS convo
WHERE quiet;

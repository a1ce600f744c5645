-- expect: 14:17 unknown connector 'kafak'
-- hint: did you mean 'kafka'?
-- The mistake: a misspelled connector name: kafak.

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                              -- epoch seconds
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafak',
  'topic' = 'websocket_fanout',
  'properties.bootstrap.servers' = '127.0.0.1:9',
  'format' = 'json',
  'scan.startup.mode' = 'earliest-offset'
);

CREATE SINK processing_fanout WITH (
  'connector' = 'file',
  'path' = 'out.jsonl',
  'format' = 'json'
) AS
SELECT 'chat_message' AS type,
       `timestamp`,
       JSON_OBJECT(
         'username',   username,
         'text',       text,
         'shouted',    UPPER(text),
         'translated', TRANSLATE(text, preferredLanguage),
         'language',   preferredLanguage
       ) AS payload
FROM chat_messages
WHERE type = 'CHAT';

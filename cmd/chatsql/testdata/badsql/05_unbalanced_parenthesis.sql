-- expect: 26:19 '(' is never closed
-- hint: add the missing ')'
-- The mistake: JSON_OBJECT( is never closed.

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                              -- epoch seconds
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'file',
  'path' = 'in.jsonl',
  'format' = 'json'
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
         AS payload
FROM chat_messages
WHERE type = 'CHAT';

-- expect: 12:17 must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not BIGINT
-- hint: TO_TIMESTAMP_LTZ
-- The mistake: WATERMARK FOR the BIGINT epoch column instead of a time column.

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                              -- epoch seconds
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),
  WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '5' SECOND
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
       ) AS payload
FROM chat_messages
WHERE type = 'CHAT';

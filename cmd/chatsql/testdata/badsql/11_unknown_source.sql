-- expect: 33:6 unknown source, table or view 'chat_mesages'
-- hint: did you mean 'chat_messages'?
-- The mistake: FROM names a source that does not exist (misspelled).

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
       ) AS payload
FROM chat_mesages
WHERE type = 'CHAT';

CREATE SOURCE chat_messages (
  username          VARCHAR,
  text              VARCHAR,
  type              VARCHAR,
  preferredLanguage VARCHAR,
  `timestamp`       BIGINT,                               -- epoch seconds, as in the seed
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0),         -- computed column
  kafka_offset BIGINT METADATA FROM 'offset',             -- connector metadata
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'websocket_fanout',
  'format' = 'json',
  'scan.startup.mode' = 'group-offsets',     -- earliest-offset | latest-offset | group-offsets | timestamp
  'properties.group.id' = 'chat-pipeline'
);

CREATE SINK processing_fanout WITH ('connector' = 'kafka', 'topic' = 'processing_fanout', 'format' = 'json') AS
SELECT 'chat_message' AS type,
       `timestamp`,
       JSON_OBJECT('id', CONCAT('msg-', CAST(kafka_offset AS STRING)), 'username', username, 'text', text,
                   'translated', TRANSLATE(text, preferredLanguage),
                   'language', preferredLanguage) AS payload
FROM chat_messages;

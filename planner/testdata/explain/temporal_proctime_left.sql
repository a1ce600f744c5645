-- A processing-time LEFT JOIN: the latest permissions of each user;
-- messages of unknown users keep NULLs.
CREATE SOURCE chat_messages (username VARCHAR, text VARCHAR, `timestamp` BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0), WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
CREATE TABLE user_permissions (
  username VARCHAR, can_post BOOLEAN,
  PRIMARY KEY (username) NOT ENFORCED
) WITH ('connector' = 'file', 'path' = '/tmp/permissions.jsonl');
EXPLAIN SELECT m.username, m.text, p.can_post IS NOT FALSE AS can_post
FROM chat_messages m
LEFT JOIN user_permissions FOR SYSTEM_TIME AS OF PROCTIME() AS p ON p.username = m.username;

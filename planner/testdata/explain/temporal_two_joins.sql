-- Two temporal joins in a row: each a Lookup over the previous one's rows.
CREATE SOURCE chat_messages (username VARCHAR, text VARCHAR, room VARCHAR, `timestamp` BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0), WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
CREATE TABLE users (username VARCHAR, country VARCHAR, updated_at TIMESTAMP_LTZ(3), PRIMARY KEY (username) NOT ENFORCED,
  WATERMARK FOR updated_at AS updated_at) WITH ('connector' = 'file', 'path' = '/tmp/users.jsonl');
CREATE TABLE rooms (room VARCHAR, topic VARCHAR, PRIMARY KEY (room) NOT ENFORCED)
  WITH ('connector' = 'file', 'path' = '/tmp/rooms.jsonl');
EXPLAIN SELECT m.username, u.country, r.topic, m.event_time
FROM chat_messages AS m
JOIN users FOR SYSTEM_TIME AS OF m.event_time AS u ON m.username = u.username
LEFT JOIN rooms FOR SYSTEM_TIME AS OF PROCTIME() AS r ON m.room = r.room;

-- A WHERE with TRANSLATE on an Iceberg table: the async call runs above the
-- scan, the conditions on the table's own columns still go into the scan,
-- with those of the inner query's WHERE.
CREATE TABLE messages (id BIGINT, text VARCHAR, event_time TIMESTAMP_LTZ(3))
  WITH ('connector' = 'iceberg', 'table' = 'chat.messages', 'streaming' = 'true');
EXPLAIN SELECT id FROM (SELECT id, text, event_time FROM messages WHERE id > 5) AS m
WHERE TRANSLATE(text, 'en') <> '' AND event_time < TIMESTAMP '2024-06-01 00:00:00';

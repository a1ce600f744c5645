-- WHERE on an Iceberg table: the conditions Iceberg can evaluate go into the
-- scan (scan-filter: files pruned by partition and column statistics); the
-- Calc above still applies the whole condition.
CREATE TABLE messages (id BIGINT, username VARCHAR, text VARCHAR, language VARCHAR, event_time TIMESTAMP_LTZ(3))
  PARTITIONED BY (days(event_time)) WITH ('connector' = 'iceberg', 'table' = 'chat.messages');
EXPLAIN SELECT id, UPPER(username) AS u FROM messages
WHERE event_time >= TIMESTAMP '2024-01-02 00:00:00' AND language IN ('es', 'fr') AND UPPER(username) <> 'BOT'
  AND (text LIKE 'hello%' OR id BETWEEN 10 AND 20);

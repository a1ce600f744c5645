-- IN (subquery): an EXISTS with the equality as a hash-index key.
CREATE SOURCE chat_messages (username VARCHAR, text VARCHAR) WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
CREATE TABLE feature_flags (flag VARCHAR, username VARCHAR, enabled BOOLEAN, PRIMARY KEY (flag, username) NOT ENFORCED)
  WITH ('connector' = 'file', 'path' = '/tmp/flags.jsonl');
EXPLAIN SELECT username, text FROM chat_messages
WHERE username IN (SELECT f.username FROM feature_flags f WHERE f.flag = 'beta' AND f.enabled);

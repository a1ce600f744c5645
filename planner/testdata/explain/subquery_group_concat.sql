-- Aggregate subqueries: an uncorrelated list of the current words, and a correlated count.
CREATE SOURCE chat_messages (username VARCHAR, text VARCHAR) WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
CREATE TABLE banned_words (word VARCHAR, severity INT, PRIMARY KEY (word) NOT ENFORCED)
  WITH ('connector' = 'file', 'path' = '/tmp/banned.jsonl');
EXPLAIN SELECT username,
  (SELECT GROUP_CONCAT(word SEPARATOR '|') FROM banned_words WHERE severity >= 3) AS severe_words,
  (SELECT COUNT(*) FROM banned_words b WHERE POSITION(b.word IN text) > 0) AS hits,
  (SELECT MAX(severity) FROM banned_words b WHERE LOCATE(b.word, text) > 0) AS worst
FROM chat_messages;

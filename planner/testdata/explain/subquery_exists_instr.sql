-- Every message checked against all current banned words (Aho-Corasick on
-- the contains predicate), and flagged by a NOT EXISTS in WHERE.
CREATE SOURCE chat_messages (username VARCHAR, text VARCHAR) WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
CREATE TABLE banned_words (word VARCHAR, action VARCHAR, PRIMARY KEY (word) NOT ENFORCED)
  WITH ('connector' = 'file', 'path' = '/tmp/banned.jsonl');
EXPLAIN SELECT username, text,
  EXISTS (SELECT 1 FROM banned_words b WHERE b.action = 'flag' AND LOWER(m.text) LIKE CONCAT('%', b.word, '%')) AS flagged
FROM chat_messages m
WHERE NOT EXISTS (SELECT 1 FROM banned_words b WHERE INSTR(LOWER(m.text), b.word) > 0 AND b.action = 'block');

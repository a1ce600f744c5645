-- The model of each language from a reference table, as TRANSLATE's third argument.
CREATE SOURCE chat_messages (username VARCHAR, text VARCHAR, preferredLanguage VARCHAR)
  WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
CREATE TABLE translation_models (language VARCHAR, model VARCHAR, PRIMARY KEY (language) NOT ENFORCED)
  WITH ('connector' = 'file', 'path' = '/tmp/models.jsonl');
EXPLAIN SELECT username,
  TRANSLATE(text, preferredLanguage, (SELECT model FROM translation_models WHERE language = preferredLanguage)) AS translated
FROM chat_messages;

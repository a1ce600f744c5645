CREATE SOURCE m (text VARCHAR, lang VARCHAR) WITH ('connector' = 'file', 'path' = '/tmp/m.jsonl');
EXPLAIN SELECT TRANSLATE(TRANSLATE(text, 'en'), lang) AS t2, text FROM m WHERE TRANSLATE(text, 'en') <> '';

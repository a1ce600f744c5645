-- expect: 11:24 unknown column 'txt'
-- hint: did you mean 'text'?
-- after: 17_second_file_a.sql
-- The mistake: a misspelled column in a query over a source that the first file declares.

CREATE SINK shouted WITH (
  'connector' = 'file',
  'path' = 'shouted.jsonl',
  'format' = 'json'
) AS
SELECT username, UPPER(txt) AS text
FROM chat_messages;

-- Questions people ask of the chat history, in DuckDB SQL, over the Iceberg
-- table lake.chat.messages that lake_history_sink.sql (or full_pipeline.sql)
-- writes. Not a streaming job: run one statement at a time with
--
--   chatsql query "SELECT ..."              (--data-dir: where the lake is;
--                                             --format table | csv | json)
--
-- or type it in the REPL (a SELECT naming lake.chat.messages runs in DuckDB).
-- Every DuckDB function, GROUP BY ALL, window functions and QUALIFY work; the
-- session's time zone is UTC, so days are UTC days.

-- 1. Messages per language per day.
SELECT CAST(event_time AS DATE) AS day, language, count(*) AS messages
FROM lake.chat.messages
WHERE type = 'USER_MESSAGE'
GROUP BY ALL
ORDER BY day, messages DESC, language;

-- 2. Top senders: the ten users who wrote the most, and when.
SELECT username, count(*) AS messages, min(event_time) AS first_seen, max(event_time) AS last_seen
FROM lake.chat.messages
WHERE type = 'USER_MESSAGE'
GROUP BY username
ORDER BY messages DESC, username
LIMIT 10;

-- 3. A user's history as the table was last week: time travel to the
-- snapshot current at that time (the commit time, UTC), so messages that
-- arrived later are not there. The time must be a literal: put last week's
-- date in (or use FOR VERSION AS OF <snapshot id>).
SELECT event_time, text, translated, language
FROM lake.chat.messages FOR SYSTEM_TIME AS OF TIMESTAMP '2024-06-01 00:00:00'
WHERE username = 'alice'
ORDER BY event_time;

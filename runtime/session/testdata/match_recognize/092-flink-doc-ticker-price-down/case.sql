-- source: https://github.com/apache/flink/blob/master/docs/content/docs/dev/table/sql/queries/match_recognize.md
-- case: Introduction and Examples (START_ROW PRICE_DOWN+ PRICE_UP, AFTER MATCH SKIP TO LAST PRICE_UP)
-- adapted: none to the query (its event-time column rowtime is used as is; `SELECT *` spelled out); the documented input table -> input.jsonl, its dates (e.g. '01-Apr-11 10:00:00') written as 2011-04-01 10:00:00; documented output timestamps written in our format YYYY-MM-DD HH:MM:SS.fff
CREATE SOURCE t (
  symbol VARCHAR,
  rowtime TIMESTAMP(3),
  price BIGINT,
  tax BIGINT,
  WATERMARK FOR rowtime AS rowtime
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT symbol, start_tstamp, bottom_tstamp, end_tstamp
FROM t
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            START_ROW.rowtime AS start_tstamp,
            LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,
            LAST(PRICE_UP.rowtime) AS end_tstamp
        ONE ROW PER MATCH
        AFTER MATCH SKIP TO LAST PRICE_UP
        PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
        DEFINE
            PRICE_DOWN AS
                (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
                    PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
            PRICE_UP AS
                PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
    ) MR;

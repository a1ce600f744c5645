-- source: https://github.com/apache/flink/blob/master/docs/content/docs/dev/table/sql/queries/match_recognize.md
-- case: Output Mode (partition column first, then measures)
-- adapted: none to the query (its event-time column rowtime is used as is; `SELECT *` spelled out); the documented input table -> input.jsonl, its dates (e.g. '01-Apr-11 10:00:00') written as 2011-04-01 10:00:00; documented output timestamps written in our format YYYY-MM-DD HH:MM:SS.fff
CREATE SOURCE t (
  symbol VARCHAR,
  rowtime TIMESTAMP(3),
  price BIGINT,
  tax BIGINT,
  WATERMARK FOR rowtime AS rowtime
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT symbol, startPrice, topPrice, lastPrice
FROM t
    MATCH_RECOGNIZE(
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            FIRST(A.price) AS startPrice,
            LAST(A.price) AS topPrice,
            B.price AS lastPrice
        ONE ROW PER MATCH
        PATTERN (A+ B)
        DEFINE
            A AS LAST(A.price, 1) IS NULL OR A.price > LAST(A.price, 1),
            B AS B.price < LAST(A.price)
    );

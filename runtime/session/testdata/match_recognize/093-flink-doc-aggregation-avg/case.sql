-- source: https://github.com/apache/flink/blob/master/docs/content/docs/dev/table/sql/queries/match_recognize.md
-- case: Aggregations (A+ B, DEFINE A AS AVG(A.price) < 15)
-- adapted: none to the query (its event-time column rowtime is used as is; `SELECT *` spelled out); the documented input table -> input.jsonl, its dates (e.g. '01-Apr-11 10:00:00') written as 2011-04-01 10:00:00; documented output timestamps written in our format YYYY-MM-DD HH:MM:SS.fff
CREATE SOURCE t (
  symbol VARCHAR,
  rowtime TIMESTAMP(3),
  price BIGINT,
  tax BIGINT,
  WATERMARK FOR rowtime AS rowtime
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT symbol, start_tstamp, end_tstamp, avgPrice
FROM t
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            FIRST(A.rowtime) AS start_tstamp,
            LAST(A.rowtime) AS end_tstamp,
            AVG(A.price) AS avgPrice
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A+ B)
        DEFINE
            A AS AVG(A.price) < 15
    ) MR;

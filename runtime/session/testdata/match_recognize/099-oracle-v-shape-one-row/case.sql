-- source: https://github.com/njxjtu/OracleDatabase/blob/master/PatternMatchExample.sql (reproduces Oracle Database Data Warehousing Guide 12.1, 'SQL for Pattern Matching', https://docs.oracle.com/database/121/DWHSG/pattern.htm)
-- case: Example 20-1 (22-1 in later editions) Pattern Match: Simple V-Shape with 1 Row Output per Match
-- adapted: tstamp DATE -> TIMESTAMP(3) (dates '01-Apr-11' written 2011-04-01 00:00:00), used as the event time; the outer `ORDER BY MR.symbol, MR.start_tstamp` is dropped (one partition, matches come out in that order); `SELECT *` spelled out; output dates written as YYYY-MM-DD 00:00:00.000
CREATE SOURCE t (
  symbol VARCHAR,
  tstamp TIMESTAMP(3),
  price BIGINT,
  WATERMARK FOR tstamp AS tstamp
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT symbol, start_tstamp, bottom_tstamp, end_tstamp
FROM t MATCH_RECOGNIZE (
     PARTITION BY symbol
     ORDER BY tstamp
     MEASURES  STRT.tstamp AS start_tstamp,
               LAST(DOWN.tstamp) AS bottom_tstamp,
               LAST(UP.tstamp) AS end_tstamp
     ONE ROW PER MATCH
     AFTER MATCH SKIP TO LAST UP
     PATTERN (STRT DOWN+ UP+)
     DEFINE
        DOWN AS DOWN.price < PREV(DOWN.price),
        UP AS UP.price > PREV(UP.price)
     ) MR;

-- source: https://oracle-base.com/articles/12c/pattern-matching-in-oracle-database-12cr1 (Oracle outputs as reproduced in a public GitHub SQL file of Oracle analytic-function examples, and in https://github.com/bheckel/code/blob/master/database/match_recognize.sql)
-- case: Examples: PATTERN (TWINKIES+ (DINGDONGS | HOHOS){3} TWINKIES+), AFTER MATCH SKIP TO LAST TWINKIES
-- adapted: tstamp TIMESTAMP -> TIMESTAMP(3) ('01-OCT-2014 12:00:01' written 2014-10-01 12:00:01), used as the event time; the input is the table's INSERT statements; the outer ORDER BY MR.mno, MR.tstamp is dropped (no partition; emission order is the documented order); `SELECT *` spelled out in the documented column order
CREATE SOURCE t (
  id BIGINT,
  product VARCHAR,
  tstamp TIMESTAMP(3),
  WATERMARK FOR tstamp AS tstamp
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT tstamp, start_tstamp, end_tstamp, mno, cls, id, product
FROM   t MATCH_RECOGNIZE (
         ORDER BY tstamp
         MEASURES  FIRST(TWINKIES.tstamp) AS start_tstamp,
                   FINAL LAST(TWINKIES.tstamp) AS end_tstamp,
                   MATCH_NUMBER() AS mno,
                   CLASSIFIER() AS cls
         ALL ROWS PER MATCH
         AFTER MATCH SKIP TO LAST TWINKIES
         PATTERN(TWINKIES+ (DINGDONGS | HOHOS){3} TWINKIES+)
         DEFINE
           TWINKIES AS TWINKIES.product='TWINKIES',
           DINGDONGS AS DINGDONGS.product='DINGDONGS',
           HOHOS AS HOHOS.product='HOHOS'
       ) MR;

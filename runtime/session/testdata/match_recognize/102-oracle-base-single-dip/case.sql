-- source: https://oracle-base.com/articles/12c/pattern-matching-in-oracle-database-12cr1 (Oracle outputs as reproduced in a public GitHub SQL file of Oracle analytic-function examples, and in https://github.com/bheckel/code/blob/master/database/match_recognize.sql)
-- case: Examples: a general rise with a single dipping value, PATTERN (STRT UP+ DOWN{1} UP+)
-- adapted: tstamp TIMESTAMP -> TIMESTAMP(3) (dates 'DD-MON-YYYY' written YYYY-MM-DD 00:00:00), used as the event time; the outer ORDER BY is dropped (one partition; the emission order is the documented order); `SELECT *` spelled out in the documented column order; output dates written as YYYY-MM-DD 00:00:00.000
CREATE SOURCE t (
  id BIGINT,
  product VARCHAR,
  tstamp TIMESTAMP(3),
  units_sold BIGINT,
  WATERMARK FOR tstamp AS tstamp
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT product, tstamp, start_tstamp, peak_tstamp, mno, cls, id, units_sold
FROM   t MATCH_RECOGNIZE (
         PARTITION BY product
         ORDER BY tstamp
         MEASURES  STRT.tstamp AS start_tstamp,
                   FINAL LAST(UP.tstamp) AS peak_tstamp,
                   MATCH_NUMBER() AS mno,
                   CLASSIFIER() AS cls
         ALL ROWS PER MATCH
         AFTER MATCH SKIP TO LAST DOWN
         PATTERN (STRT UP+ DOWN{1} UP+)
         DEFINE
           UP AS UP.units_sold > PREV(UP.units_sold),
           DOWN AS DOWN.units_sold < PREV(DOWN.units_sold)
       ) MR;

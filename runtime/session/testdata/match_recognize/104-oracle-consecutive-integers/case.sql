-- source: https://github.com/bheckel/code/blob/master/database/match_recognize.sql
-- case: Count groups between gaps in sequence (PATTERN (strt one_higher*))
-- adapted: the WITH ints(i) AS (SELECT 1 FROM dual UNION ALL ...) rows -> input.jsonl; ORDER BY i -> ORDER BY ts, ts = TO_TIMESTAMP_LTZ(i, 0); the outer ORDER BY first_int is dropped (no partition; emission order is the documented order)
CREATE SOURCE t (
  i BIGINT,
  ts AS TO_TIMESTAMP_LTZ(i, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
select first_int, last_int, ints_in_grp, group_sum
from t MATCH_RECOGNIZE(
       order by ts
       measures
          first(i) as first_int
        , last(i)  as last_int
        , count(*) as ints_in_grp
        , sum(i) as group_sum
       ONE ROW PER MATCH
       pattern (strt one_higher*)
       define
          one_higher as i = prev(i) + 1
    );

-- source: https://github.com/trinodb/trino/blob/master/core/trino-main/src/test/java/io/trino/sql/query/TestAggregationsInRowPatternMatching.java
-- case: testPeriodLength
-- adapted: ORDER BY minute_of_the_day -> ORDER BY ts, where ts = TO_TIMESTAMP_LTZ(minute_of_the_day * 60, 0); user 2's rows follow user 1's later minutes in the input, so the watermark lags by 1 hour and no row is late; the outer `CAST(periods_total AS integer)` is dropped (the value is printed as a BIGINT) and the column is named periods_total
-- order: any
CREATE SOURCE t (
  user_id BIGINT,
  minute_of_the_day BIGINT,
  ts AS TO_TIMESTAMP_LTZ(minute_of_the_day * 60, 0),
  WATERMARK FOR ts AS ts - INTERVAL '1' HOUR
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT user_id, periods_total
FROM t
  MATCH_RECOGNIZE (
    PARTITION BY user_id
    ORDER BY ts
    MEASURES COALESCE(sum(C.minute_of_the_day) - sum(A.minute_of_the_day), 0) AS periods_total
    ONE ROW PER MATCH
    PATTERN ((A B* C | D)*)
    DEFINE
      B AS minute_of_the_day = PREV(minute_of_the_day) + 1,
      C AS minute_of_the_day = PREV(minute_of_the_day) + 1
  );

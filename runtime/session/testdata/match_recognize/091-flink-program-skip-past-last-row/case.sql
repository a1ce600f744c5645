-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/java/org/apache/flink/table/planner/plan/nodes/exec/stream/MatchRecognizeTestPrograms.java
-- case: MATCH_SKIP_PAST_LAST_ROW (match-skip-past-last-row)
-- adapted: ORDER BY proctime -> ORDER BY ts; the rows have no ordering column, so a column seq (1..11, arrival order) was added and ts = TO_TIMESTAMP_LTZ(seq, 0); the rows produced before and after the restore are concatenated into one input, and the expected rows before and after the restore into one output; INT -> BIGINT; `SELECT *` spelled out
-- order: any
CREATE SOURCE t (
  seq BIGINT,
  vehicle_id BIGINT,
  engine_temperature BIGINT,
  ts AS TO_TIMESTAMP_LTZ(seq, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT vehicle_id, Initial_Temp, Final_Temp
FROM t
  MATCH_RECOGNIZE(
    PARTITION BY vehicle_id
    ORDER BY ts
    MEASURES
      FIRST(A.engine_temperature) as Initial_Temp,
      LAST(A.engine_temperature) as Final_Temp
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A+ B)
    DEFINE
      A as LAST(A.engine_temperature,1) is NULL OR A.engine_temperature > LAST(A.engine_temperature,1),
      B as B.engine_temperature < LAST(A.engine_temperature)
  ) MR;

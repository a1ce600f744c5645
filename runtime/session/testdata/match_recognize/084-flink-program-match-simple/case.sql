-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/java/org/apache/flink/table/planner/plan/nodes/exec/stream/MatchRecognizeTestPrograms.java
-- case: MATCH_SIMPLE (match-simple)
-- adapted: ORDER BY proctime -> ORDER BY ts, an event time derived from the arrival order: ts = TO_TIMESTAMP_LTZ(id, 0) (id is 1, 2, ... in input order); Row[] data -> input.jsonl; the rows produced before and after the restore are concatenated into one input, and the expected rows before and after the restore into one output; the Java escape \u006C is the letter l; output keys are the SELECT names (the sink renames them a, b, c)
-- order: any
CREATE SOURCE t (
  id BIGINT,
  name VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT T.aid, T.bid, T.cid
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      `A"`.id AS aid,
      l.id AS bid,
      C.id AS cid
    PATTERN (`A"` l C)
    DEFINE
      `A"` AS name = 'a',
      l AS name = 'b',
      C AS name = 'c'
  ) AS T;

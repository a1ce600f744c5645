-- source: https://github.com/apache/calcite/blob/main/core/src/test/resources/sql/match.iq
-- case: match.iq '# Pattern' (scott.emp, PARTITION BY deptno ORDER BY empno, PATTERN (S B+)); the block is disabled in Calcite (`!if (false)`), its expected output is Oracle's
-- adapted: scott.emp (empno, deptno, ename as printed at the top of match.iq) -> input.jsonl, in empno order; ORDER BY empno -> ORDER BY ts, ts = TO_TIMESTAMP_LTZ(empno, 0); `b.ename || ';'` -> CONCAT(b.ename, ';') (|| is OR in MySQL syntax); `SELECT *` reduced to the partition column, order column, measures and ename (the other emp columns are not needed)
-- order: any
CREATE SOURCE t (
  empno BIGINT,
  deptno BIGINT,
  ename VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(empno, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT deptno, empno, mno, pattern_vrb, ename
FROM t MATCH_RECOGNIZE(
  PARTITION BY deptno ORDER BY ts
  MEASURES
    match_number() AS mno,
    classifier() as pattern_vrb
  ALL ROWS PER MATCH
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (S B+)
  DEFINE B AS CHAR_LENGTH(S.ename) + SUM(CHAR_LENGTH(CONCAT(b.ename, ';'))) + CHAR_LENGTH(';') <= 15);

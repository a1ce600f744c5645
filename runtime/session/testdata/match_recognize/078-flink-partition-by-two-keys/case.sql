-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testCodeSplitsAreProperlyGenerated
-- adapted: ORDER BY proctime -> ORDER BY ts, an event time derived from the arrival order: ts = TO_TIMESTAMP_LTZ(id, 0) (id is 1, 2, ... in input order); Scala collection -> input.jsonl; `SELECT *` is spelled out as its columns (partition keys, then measures)
-- order: any
CREATE SOURCE t (
  id BIGINT,
  name VARCHAR,
  key1 VARCHAR,
  key2 VARCHAR,
  ts AS TO_TIMESTAMP_LTZ(id, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT key1, key2, aid, akey1, bid, cid, ckey2
FROM t
  MATCH_RECOGNIZE (
    PARTITION BY key1, key2
    ORDER BY ts
    MEASURES
      A.id AS aid,
      A.key1 AS akey1,
      LAST(B.id) AS bid,
      C.id AS cid,
      C.key2 AS ckey2
    PATTERN (A B C)
    DEFINE
      A AS name = 'a' AND key1 LIKE '%key%' AND id > 0,
      B AS name = 'b' AND LAST(A.name, 2) IS NULL,
      C AS name = 'c' AND LAST(A.name) = 'a'
  ) AS T;

-- source: https://github.com/apache/flink/blob/master/flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/planner/runtime/stream/sql/MatchRecognizeITCase.scala
-- case: testLogicalOffsetsWithStarVariable
-- adapted: ORDER BY proctime -> ORDER BY ts, ts = TO_TIMESTAMP_LTZ(tstamp, 0) (tstamp = 1..8 in input order); `SELECT *` spelled out (no PARTITION BY: measures only)
-- order: any
CREATE SOURCE t (
  id BIGINT,
  symbol VARCHAR,
  tstamp BIGINT,
  price BIGINT,
  ts AS TO_TIMESTAMP_LTZ(tstamp, 0),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'file', 'path' = '{{input}}', 'format' = 'json');
CREATE SINK out WITH ('connector' = 'file', 'path' = '{{output}}', 'format' = 'json') AS
SELECT id0, id1, id2, id3, id4, id5, id6, id7, id8, id9, id10, id11, id12, id13, id14, id15
FROM t
  MATCH_RECOGNIZE (
    ORDER BY ts
    MEASURES
      FIRST(id, 0) as id0,
      FIRST(id, 1) as id1,
      FIRST(id, 2) as id2,
      FIRST(id, 3) as id3,
      FIRST(id, 4) as id4,
      FIRST(id, 5) as id5,
      FIRST(id, 6) as id6,
      FIRST(id, 7) as id7,
      LAST(id, 0) as id8,
      LAST(id, 1) as id9,
      LAST(id, 2) as id10,
      LAST(id, 3) as id11,
      LAST(id, 4) as id12,
      LAST(id, 5) as id13,
      LAST(id, 6) as id14,
      LAST(id, 7) as id15
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (`DOWN"`{2,} UP)
    DEFINE
      `DOWN"` AS price < LAST(price, 1) OR LAST(price, 1) IS NULL,
      UP AS price = FIRST(price) AND price > FIRST(price, 3) AND price = LAST(price, 7)
  ) AS T;

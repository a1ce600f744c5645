-- SUBSET: a union of pattern variables, used in MEASURES, CLASSIFIER and AFTER MATCH SKIP.
CREATE SOURCE Ticker (
  symbol  VARCHAR,
  price   BIGINT,
  rowtime TIMESTAMP(3),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'file', 'path' = '/tmp/ticker.jsonl', 'format' = 'json');
EXPLAIN
SELECT *
FROM Ticker
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime
        MEASURES
            AVG(U.price)                   AS avg_up_down,
            COUNT(U.*)                     AS moves,
            CLASSIFIER(U)                  AS last_move,
            FIRST(U.price, 1)              AS second_move_price,
            PREV(LAST(U.price, 1), 2)      AS before_that,
            SUM(D.price * 2)               AS double_down
        ONE ROW PER MATCH
        AFTER MATCH SKIP TO FIRST U
        PATTERN (S PERMUTE(D, P) E?)
        SUBSET U = (D, P)
        DEFINE
            D AS price < PREV(price),
            P AS price > PREV(price),
            E AS price = FIRST(S.price)
    ) AS t;

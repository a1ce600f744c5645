-- ALL ROWS PER MATCH: every row of a match, with running and final measures.
CREATE SOURCE Ticker (
  symbol  VARCHAR,
  price   BIGINT,
  seq     BIGINT,
  rowtime TIMESTAMP(3),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'file', 'path' = '/tmp/ticker.jsonl', 'format' = 'json');
EXPLAIN
SELECT symbol, rowtime, price, label, match_no, low_so_far, final_low, rows_so_far, total_rows, drop_from_start, prev_label
FROM Ticker
    MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rowtime, seq
        MEASURES
            CLASSIFIER()              AS label,
            MATCH_NUMBER()            AS match_no,
            RUNNING LAST(DOWN.price)  AS low_so_far,
            FINAL LAST(DOWN.price)    AS final_low,
            RUNNING COUNT(*)          AS rows_so_far,
            FINAL COUNT(*)            AS total_rows,
            FIRST(price) - price      AS drop_from_start,
            PREV(CLASSIFIER())        AS prev_label
        ALL ROWS PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (STRT DOWN+? UP{2,3} | STRT FLAT*)
        DEFINE
            DOWN AS price < PREV(price),
            UP   AS price > PREV(price),
            FLAT AS price = PREV(price)
    ) AS t;

-- An event-time temporal join: each order sees the rate valid at its order_time.
CREATE SOURCE orders (
  order_id BIGINT, currency VARCHAR, amount DECIMAL(10, 2), order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '/tmp/orders.jsonl');
CREATE TABLE rates (
  currency VARCHAR, rate DECIMAL(10, 4), update_time TIMESTAMP(3),
  PRIMARY KEY (currency) NOT ENFORCED,
  WATERMARK FOR update_time AS update_time
) WITH ('connector' = 'file', 'path' = '/tmp/rates.jsonl');
EXPLAIN SELECT o.order_id, o.amount * r.rate AS converted, r.update_time
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency AND r.rate > 0;

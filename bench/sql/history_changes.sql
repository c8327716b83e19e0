-- One round (:round, 1, 2, ...) of the change stream of bench/history, the same at every history
-- factor: the open backlog and the rankings below are the same rows at 1x and Hx
-- (replicate_history.sql). Every change stamps updated_at = CURRENT_TIMESTAMP(3), as the orders
-- system does. Prints the number of source rows changed.
--   status steps: 5% of the open orders (a different 5% each round), PENDING -> PROCESSING ->
--     COMPLETED (those close), REPROCESSING -> PROCESSING, NULL -> PENDING;
--   20 new PENDING orders of 26 items each;
--   20 products re-priced;
--   renames of the 5 most-sold products and of the 5 customers with most orders (ranked over the
--     closed history, which every copy multiplies alike, so the same ones at 1x and Hx).
-- psql variables: :schema (the source schema), :round.
\set ON_ERROR_STOP 1
SET search_path = :"schema";
BEGIN;
CREATE TEMP TABLE changed (n BIGINT) ON COMMIT DROP;
WITH open AS (
    SELECT order_id, status, row_number() OVER (ORDER BY order_id) AS rn
    FROM orders WHERE status IS NULL OR status NOT IN ('COMPLETED', 'CANCELLED')
), u AS (
    UPDATE orders o
    SET status = CASE o.status WHEN 'PENDING' THEN 'PROCESSING' WHEN 'PROCESSING' THEN 'COMPLETED'
                               WHEN 'REPROCESSING' THEN 'PROCESSING' ELSE 'PENDING' END,
        updated_at = CURRENT_TIMESTAMP(3)
    FROM open
    WHERE o.order_id = open.order_id AND open.rn % 20 = :round % 20
    RETURNING 1
)
INSERT INTO changed SELECT count(*) FROM u;
WITH k AS (
    SELECT (SELECT max(order_id) FROM orders) AS o, (SELECT max(order_item_id) FROM order_items) AS i,
           (SELECT max(customer_id) FROM customers) AS c, (SELECT max(product_id) FROM products) AS p
), o AS (
    INSERT INTO orders (order_id, order_date, delivery_date, customer_id, status, updated_at, created_at)
    SELECT k.o + g, CURRENT_DATE, CURRENT_DATE + 3, 1 + (g * 7919 + :round) % k.c, 'PENDING',
           CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3)
    FROM k, generate_series(1, 20) g
    RETURNING order_id
), i AS (
    INSERT INTO order_items (order_item_id, order_id, product_id, quanity, updated_at, created_at)
    SELECT k.i + (g - 1) * 26 + j, k.o + g, 1 + (g * 104729 + j * 7 + :round) % k.p, 1 + j % 3,
           CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3)
    FROM k, generate_series(1, 20) g, generate_series(1, 26) j
    RETURNING 1
)
INSERT INTO changed SELECT (SELECT count(*) FROM o) + (SELECT count(*) FROM i);
WITH u AS (
    UPDATE products SET unity_price = unity_price + 0.01, updated_at = CURRENT_TIMESTAMP(3)
    WHERE product_id % 100 = :round % 100
    RETURNING 1
)
INSERT INTO changed SELECT count(*) FROM u;
WITH top AS (
    SELECT i.product_id FROM order_items i
    JOIN orders o ON o.order_id = i.order_id AND o.status IN ('COMPLETED', 'CANCELLED')
    WHERE i.product_id IS NOT NULL
    GROUP BY i.product_id ORDER BY count(*) DESC, i.product_id LIMIT 5
), u AS (
    UPDATE products p
    SET product_name = regexp_replace(p.product_name, ' v[0-9]+$', '') || ' v' || :round,
        updated_at = CURRENT_TIMESTAMP(3)
    FROM top WHERE p.product_id = top.product_id
    RETURNING 1
)
INSERT INTO changed SELECT count(*) FROM u;
WITH top AS (
    SELECT customer_id FROM orders
    WHERE customer_id IS NOT NULL AND status IN ('COMPLETED', 'CANCELLED')
    GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 5
), u AS (
    UPDATE customers c
    SET customer_name = regexp_replace(c.customer_name, ' v[0-9]+$', '') || ' v' || :round,
        updated_at = CURRENT_TIMESTAMP(3)
    FROM top WHERE c.customer_id = top.customer_id
    RETURNING 1
)
INSERT INTO changed SELECT count(*) FROM u;
SELECT sum(n) FROM changed;
COMMIT;

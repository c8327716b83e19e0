-- Multiplies the closed history of a filled source (acme-datagen fill) without touching its open
-- backlog: :copies more copies of every closed order (COMPLETED or CANCELLED) and its items, each
-- copy with keys above every existing key and dates one whole span of the data earlier, for the
-- same customers and products. So the most-sold products and the customers with most orders stay
-- the same, with (:copies + 1) times the history; the open orders are exactly the ones before.
-- psql variables: :schema (the source schema), :copies (0 leaves the source as it is).
\set ON_ERROR_STOP 1
SET search_path = :"schema";
CREATE TEMP TABLE span AS
SELECT (SELECT max(order_id) FROM orders) AS order_keys,
       (SELECT max(order_item_id) FROM order_items) AS item_keys,
       (SELECT max(order_date) - min(order_date) + 1 FROM orders) AS days;
INSERT INTO orders (order_id, order_date, delivery_date, customer_id, status, updated_at,
                    updated_by, created_at, created_by)
SELECT o.order_id + k * s.order_keys, o.order_date - k * s.days, o.delivery_date - k * s.days,
       o.customer_id, o.status, o.updated_at - k * s.days * interval '1 day', o.updated_by,
       o.created_at - k * s.days * interval '1 day', o.created_by
FROM orders o, span s, generate_series(1, :copies) k
WHERE o.status IN ('COMPLETED', 'CANCELLED') AND o.order_id <= s.order_keys;
INSERT INTO order_items (order_item_id, order_id, product_id, quanity, updated_at, updated_by,
                         created_at, created_by)
SELECT i.order_item_id + k * s.item_keys, i.order_id + k * s.order_keys, i.product_id, i.quanity,
       i.updated_at - k * s.days * interval '1 day', i.updated_by,
       i.created_at - k * s.days * interval '1 day', i.created_by
FROM order_items i
JOIN orders o ON o.order_id = i.order_id AND o.status IN ('COMPLETED', 'CANCELLED')
CROSS JOIN span s
CROSS JOIN generate_series(1, :copies) k
WHERE o.order_id <= s.order_keys AND i.order_item_id <= s.item_keys;
-- New rows (acme-datagen live, the bench's own inserts) take keys above the copies.
SELECT setval(pg_get_serial_sequence('orders', 'order_id'), (SELECT max(order_id) FROM orders));
SELECT setval(pg_get_serial_sequence('order_items', 'order_item_id'),
              (SELECT max(order_item_id) FROM order_items));

-- Open orders (is_open: acme's one open rule, sql/etl/is_open.sql) without a delivery date.
SELECT o.order_id AS key, NULL::interval AS age
FROM {schema}.analytical_orders o
WHERE o.is_open AND o.delivery_date IS NULL

-- The rows of each table the quality rules check, counted once per run in its snapshot: every
-- rule's share is its violating rows over its table's total.
SELECT 'analytical_orders' AS table_name, count(*) AS total FROM {schema}.analytical_orders
UNION ALL
SELECT 'analytical_order_items', count(*) FROM {schema}.analytical_order_items
UNION ALL
SELECT 'customers', count(*) FROM {schema}.customers
UNION ALL
SELECT 'products', count(*) FROM {schema}.products

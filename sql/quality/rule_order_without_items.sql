-- Orders without any item.
SELECT o.order_id AS key, NULL::interval AS age
FROM {schema}.analytical_orders o
WHERE NOT EXISTS (SELECT 1 FROM {schema}.analytical_order_items i WHERE i.order_id = o.order_id)

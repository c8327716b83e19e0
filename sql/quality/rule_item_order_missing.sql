-- Items whose order is not in analytical_orders (or NULL). Age: since acme last wrote the item.
SELECT i.order_item_id AS key, now() - i.synced_at AS age
FROM {schema}.analytical_order_items i
WHERE i.order_id IS NULL
   OR NOT EXISTS (SELECT 1 FROM {schema}.analytical_orders o WHERE o.order_id = i.order_id)

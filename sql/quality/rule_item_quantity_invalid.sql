-- Items with a NULL, zero or negative quantity.
SELECT i.order_item_id AS key, NULL::interval AS age
FROM {schema}.analytical_order_items i
WHERE i.quantity IS NULL OR i.quantity <= 0

-- GET /api/v1/orders/{id}: its items ($1 = order_id), in key order.
SELECT order_item_id, product_id, product_name, quantity, price, updated_at
FROM {schema}.analytical_order_items
WHERE order_id = $1
ORDER BY order_item_id

-- GET /api/v1/orders/{id}: the order ($1), one row or none.
SELECT order_id, customer_id, customer_name, order_date, delivery_date, status, total_items,
       total_amount, is_open, updated_at, synced_at
FROM {schema}.analytical_orders
WHERE order_id = $1

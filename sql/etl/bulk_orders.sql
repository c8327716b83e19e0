-- Initial load into an empty analytical_orders: plain INSERT with totals computed in one pass
-- over the items the same load streamed into analytical_order_items.
WITH totals AS (
    SELECT order_id,
           COALESCE(sum(quantity), 0) AS total_items,
           COALESCE(sum(quantity * price), 0) AS total_amount
    FROM {schema}.analytical_order_items
    GROUP BY order_id
), m AS (
    INSERT INTO {schema}.analytical_orders
        (order_id, customer_id, customer_name, order_date, delivery_date, status, total_items,
         total_amount, is_open, updated_at, updated_by, created_at, created_by, synced_at)
    SELECT s.order_id, s.customer_id, c.customer_name, s.order_date, s.delivery_date, s.status,
           COALESCE(t.total_items, 0), COALESCE(t.total_amount, 0),
           NOT EXISTS (SELECT 1 FROM acme_closed x WHERE x.status = s.status),
           s.updated_at, s.updated_by, s.created_at, s.created_by, now()
    FROM acme_stg_orders s
    LEFT JOIN {schema}.customers c ON c.customer_id = s.customer_id
    LEFT JOIN totals t ON t.order_id = s.order_id
    RETURNING 1
)
SELECT count(*) FROM m;

-- Full load: the source's orders (acme_w_orders, customer name joined in the source snapshot)
-- into the shadow orders table, with their totals. An order without items has totals 0.
-- {shadow}: the shadow orders table; the totals: a query of (order_id, total_items,
-- total_amount), shadow_totals_streamed.sql on an empty target, shadow_totals_settled.sql on one
-- that already holds data.
WITH t AS (
    {totals}
), m AS (
    INSERT INTO {shadow}
        (order_id, customer_id, customer_name, order_date, delivery_date, status, total_items,
         total_amount, is_open, updated_at, updated_by, created_at, created_by)
    SELECT w.order_id, w.customer_id, w.customer_name, w.order_date, w.delivery_date, w.status,
           COALESCE(t.total_items, 0), COALESCE(t.total_amount, 0), w.is_open,
           w.updated_at, w.updated_by, w.created_at, w.created_by
    FROM acme_w_orders w
    LEFT JOIN t ON t.order_id = w.order_id
    RETURNING 1
)
SELECT count(*) FROM m;

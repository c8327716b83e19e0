-- Full load: the source's orders (acme_w_orders, customer name joined in the source snapshot)
-- into the shadow orders table, with their totals. An order without items has totals 0. A
-- closed order keeps the customer name the live table holds, by the rule of settled_rule.sql
-- ({order_name}) that the merges follow (on an empty target every order takes the current name).
-- {shadow}: the shadow orders table; the totals: a query of (order_id, total_items,
-- total_amount), shadow_totals_streamed.sql on an empty target, shadow_totals_settled.sql on one
-- that already holds data.
WITH t AS (
    {totals}
), m AS (
    INSERT INTO {shadow}
        (order_id, customer_id, customer_name, order_date, delivery_date, status, total_items,
         total_amount, is_open, updated_at, updated_by, created_at, created_by)
    SELECT w.order_id, w.customer_id, {order_name}, w.order_date, w.delivery_date, w.status,
           COALESCE(t.total_items, 0), COALESCE(t.total_amount, 0), w.is_open,
           w.updated_at, w.updated_by, w.created_at, w.created_by
    FROM (
        SELECT w.*, w.customer_name AS current_name, l.customer_name AS kept_name,
               w.is_open OR COALESCE(l.is_open, FALSE) AS order_live,
               l.order_id IS NULL OR l.customer_id IS DISTINCT FROM w.customer_id AS order_refreshed
        FROM acme_w_orders w
        LEFT JOIN {schema}.analytical_orders l ON l.order_id = w.order_id
    ) w
    LEFT JOIN t ON t.order_id = w.order_id
    RETURNING 1
)
SELECT count(*) FROM m;

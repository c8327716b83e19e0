-- Full load into a target that already holds data: the source's orders (acme_w_orders, customer
-- name joined in the source snapshot) into the shadow orders table, with totals summed over the
-- shadow items (whose closed orders keep settled prices, so the source cannot compute them).
-- total_items counts NULL quantities as 0; total_amount sums quantity x price where both are known.
-- {shadow}: the shadow orders table, {shadow_items}: the shadow items table.
WITH t AS (
    SELECT order_id, COALESCE(sum(quantity), 0) AS total_items,
           COALESCE(sum(quantity * price), 0) AS total_amount
    FROM {shadow_items}
    GROUP BY order_id
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

-- Initial load into an empty analytical_order_items: every item priced at its product's
-- current price, with its order's status and delivery date.
WITH m AS (
    INSERT INTO {schema}.analytical_order_items
        (order_item_id, order_id, product_id, product_name, quantity, price, order_status,
         delivery_date, is_open, updated_at, updated_by, created_at, created_by, synced_at)
    SELECT s.order_item_id, s.order_id, s.product_id, p.product_name, s.quanity, p.unity_price,
           o.status, o.delivery_date, COALESCE(o.is_open, TRUE),
           s.updated_at, s.updated_by, s.created_at, s.created_by, now()
    FROM acme_stg_order_items s
    LEFT JOIN {schema}.products p ON p.product_id = s.product_id
    LEFT JOIN {schema}.analytical_orders o ON o.order_id = s.order_id
    RETURNING 1
)
SELECT count(*) FROM m;

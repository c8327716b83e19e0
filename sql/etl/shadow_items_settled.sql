-- Full load into a target that already holds data: one block range of the source's denormalized
-- items (acme_w_items) into the shadow items table. Items of closed orders keep the settled price
-- and product name the live table holds, by the rule of settled_rule.sql ({item_price},
-- {item_name}) that the merges follow: a full load must not re-price or rename settled history.
-- {shadow}: the shadow items table (quoted, schema-qualified); {keys}: the live items' key
-- condition over the smallest and greatest key in acme_w_items (only that part is read).
WITH m AS (
    INSERT INTO {shadow}
        (order_item_id, order_id, product_id, product_name, quantity, price, order_status,
         delivery_date, is_open, updated_at, updated_by, created_at, created_by)
    SELECT order_item_id, order_id, product_id, {item_name}, quantity, {item_price},
           order_status, delivery_date, is_open, updated_at, updated_by, created_at, created_by
    FROM (
        SELECT w.*, w.is_open OR COALESCE(t.is_open, FALSE) AS item_live,
               w.price AS current_price, t.price AS kept_price,
               w.product_name AS current_name, t.product_name AS kept_name,
               t.order_item_id IS NULL
                 OR (t.order_id, t.product_id, t.quantity, t.updated_at, t.updated_by, t.created_at, t.created_by)
                    IS DISTINCT FROM
                    (w.order_id, w.product_id, w.quantity, w.updated_at, w.updated_by, w.created_at, w.created_by)
                 AS item_refreshed
        FROM acme_w_items w
        LEFT JOIN {schema}.analytical_order_items t
               ON t.order_item_id = w.order_item_id AND {keys}
    ) x
    RETURNING 1
)
SELECT count(*) FROM m;

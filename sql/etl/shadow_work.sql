-- Session-local work tables of a full-load worker connection (parallel_load.cpp), used only when
-- the target already holds data: a key range of the source's denormalized items or orders lands
-- here first, then moves into the shadow table with the settled prices of closed orders
-- (shadow_items_settled.sql) or with totals over those prices (shadow_orders_totals.sql).
CREATE TEMP TABLE IF NOT EXISTS acme_w_items (
    order_item_id BIGINT, order_id BIGINT, product_id BIGINT, product_name TEXT, quantity INTEGER,
    price NUMERIC, order_status TEXT, delivery_date DATE, is_open BOOLEAN,
    updated_at TIMESTAMP(3), updated_by BIGINT, created_at TIMESTAMP(3), created_by BIGINT
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS acme_w_orders (
    order_id BIGINT, customer_id BIGINT, customer_name TEXT, order_date DATE, delivery_date DATE,
    status TEXT, is_open BOOLEAN,
    updated_at TIMESTAMP(3), updated_by BIGINT, created_at TIMESTAMP(3), created_by BIGINT
) ON COMMIT DELETE ROWS;

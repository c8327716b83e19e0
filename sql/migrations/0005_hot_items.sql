-- HOT-friendly item and order rows. A status change rewrites all of an order's items
-- (order_status, is_open), a delivery-date change too, a price change the open items of a
-- product. PostgreSQL can update a row in place in its page (a HOT update: no new entry in any
-- index) only when no indexed column changes (index predicates count) and the page has room.
-- 1. The two partial item indexes had order_status and is_open in their predicates: every fan-out
--    added entries to all five item indexes. The reports reach pending items through the pending
--    orders (analytical_orders_pending_customer_idx, then the order_id index), re-pricing reaches
--    a product's items through the product_id index (filtering is_open), so neither is needed.
-- 2. Free space in each page for the new versions: fillfactor 80 for items, 90 for orders
--    (their totals and synced_at change; status and delivery date stay indexed on orders). It
--    applies to pages written from now on: the next full load (run-etl --full) rewrites all.
DROP INDEX IF EXISTS {schema}.analytical_order_items_open_product_id_idx;
DROP INDEX IF EXISTS {schema}.analytical_order_items_pending_product_idx;
ALTER TABLE {schema}.analytical_order_items SET (fillfactor = 80);
ALTER TABLE {schema}.analytical_orders SET (fillfactor = 90);

-- Items to recompute: changed items, items of changed orders, items of renamed products, and
-- items of open orders whose product's price changed (closed orders keep their settled price).
-- Orders whose totals to recompute: new orders here (their items may have arrived first); the
-- others when an item's contribution changes (sql/etl/merge_items.sql, delete_order_items.sql).
INSERT INTO acme_aff_items (order_item_id)
SELECT order_item_id FROM acme_stg_order_items
ON CONFLICT DO NOTHING;

INSERT INTO acme_aff_items (order_item_id)
SELECT i.order_item_id
FROM acme_chg_orders c
JOIN {schema}.analytical_order_items i ON i.order_id = c.order_id
ON CONFLICT DO NOTHING;

INSERT INTO acme_aff_items (order_item_id)
SELECT i.order_item_id
FROM acme_chg_products c
JOIN {schema}.analytical_order_items i ON i.product_id = c.product_id
WHERE c.name_changed
ON CONFLICT DO NOTHING;

INSERT INTO acme_aff_items (order_item_id)
SELECT i.order_item_id
FROM acme_chg_products c
JOIN {schema}.analytical_order_items i ON i.product_id = c.product_id AND i.is_open
WHERE c.price_changed AND NOT c.name_changed
ON CONFLICT DO NOTHING;

INSERT INTO acme_aff_orders (order_id)
SELECT order_id FROM acme_chg_orders WHERE is_new
ON CONFLICT DO NOTHING;

-- Items to recompute from their base row: the staged (new or changed) ones. Items that only
-- follow a change of their order or product are rewritten in place by fanout_items.sql.
-- Orders whose totals to recompute: new orders here (their items may have arrived first); the
-- others when an item's contribution changes (merge_items.sql, fanout_items.sql,
-- delete_order_items.sql).
INSERT INTO acme_aff_items (order_item_id)
SELECT order_item_id FROM acme_stg_order_items
ON CONFLICT DO NOTHING;

INSERT INTO acme_aff_orders (order_id)
SELECT order_id FROM acme_chg_orders WHERE is_new
ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL;

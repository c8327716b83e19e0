-- The price an item row holds (design.md §3): its product's current price {current} while its
-- order is open or unknown ({open}), when the item row itself is new or changed ({refreshed}),
-- or when it holds no price yet ({kept} IS NULL); otherwise the price it kept when its order
-- closed: history is not re-priced. acme's one definition of it (etl::item_price_sql()): the
-- items' merge (merge_items.sql), the fan-out to items of changed orders and products
-- (fanout_items.sql) and a full reload of a loaded target (shadow_items_settled.sql).
(CASE WHEN {open} OR {refreshed} OR {kept} IS NULL THEN {current} ELSE {kept} END)

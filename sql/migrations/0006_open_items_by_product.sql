-- Re-pricing reaches a product's OPEN items through their own index again (a change
-- should cost what it changes). 0005 dropped it for HOT updates and sent re-pricing through the
-- product_id index, filtering is_open: a price change then read every item the product ever
-- had, most of them settled history (at M, ~1,040 items on ~1,000 scattered pages per price
-- change for ~100 open ones: 26 ms each), a cost that grows with history.
-- HOT is lost only where is_open itself flips (an order closing or reopening: its items get new
-- index entries once); status steps between open statuses, delivery dates, prices and product
-- names still update items in place: a partial index blocks HOT only when its predicate's
-- columns change.
CREATE INDEX IF NOT EXISTS analytical_order_items_open_product_id_idx
    ON {schema}.analytical_order_items (product_id) WHERE is_open;

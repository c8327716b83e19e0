-- One item index by product instead of two. Renames reach every item of a product
-- through (product_id), re-pricing its open items through (product_id) WHERE is_open: the same
-- key range twice. (product_id, is_open) serves both — a rename scans the product's range, a
-- price change only its is_open = true part — so an item update that cannot be HOT (an order
-- closing or reopening, or a full page) adds three index entries instead of four, and the full
-- load builds one index fewer over every item. HOT is unchanged: is_open was already indexed
-- (in the partial index's predicate), so only its flips need new entries, as before.
DROP INDEX IF EXISTS {schema}.analytical_order_items_open_product_id_idx;
DROP INDEX IF EXISTS {schema}.analytical_order_items_product_id_idx;
CREATE INDEX analytical_order_items_product_id_idx
    ON {schema}.analytical_order_items (product_id, is_open);

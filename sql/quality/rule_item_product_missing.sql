-- Items whose product is not in the products mirror (or NULL). Age: since acme last wrote the
-- item (a product's deletion rewrites its open items, not the settled closed ones).
SELECT i.order_item_id AS key, now() - i.synced_at AS age
FROM {schema}.analytical_order_items i
WHERE i.product_id IS NULL
   OR NOT EXISTS (SELECT 1 FROM {schema}.products p WHERE p.product_id = i.product_id)

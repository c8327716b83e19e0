-- Items with a zero or negative price, or none although their product exists (an item whose
-- product is missing has no price: item_product_missing counts it).
SELECT i.order_item_id AS key, NULL::interval AS age
FROM {schema}.analytical_order_items i
WHERE i.price <= 0
   OR (i.price IS NULL
       AND EXISTS (SELECT 1 FROM {schema}.products p WHERE p.product_id = i.product_id))

-- acme verify, target side: analytical_order_items as canonical text
-- (verify_source_order_items.sql).
SELECT i.order_item_id AS id,
       ROW(i.order_id, i.product_id,
           CASE WHEN i.is_open THEN i.product_name
                WHEN i.product_name IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM {t}.products p
                                 WHERE p.product_id = i.product_id AND p.product_name IS NOT NULL)
                THEN 'settled' END,
           i.quantity,
           CASE WHEN i.is_open THEN trim_scale(i.price)::text
                WHEN i.price IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM {t}.products p WHERE p.product_id = i.product_id)
                THEN 'settled' END,
           i.order_status, i.delivery_date, i.is_open,
           i.updated_at, i.updated_by, i.created_at, i.created_by)::text AS r
FROM {t}.analytical_order_items i
WHERE {filter}

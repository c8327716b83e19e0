-- acme verify, source side: analytical_order_items as the invariant gives it, canonical text per
-- item. $1: the closed statuses (text[]). An item of a closed order keeps a settled product name
-- and price: they read 'settled' here; the target side says 'settled' when the item has a name
-- (a price), or its product has none to give. An item without an order is open. {filter}: a condition on i.order_item_id.
SELECT i.order_item_id AS id,
       ROW(i.order_id, i.product_id, CASE WHEN {is_open} THEN p.product_name ELSE 'settled' END,
           i.quanity,
           CASE WHEN {is_open}
                THEN trim_scale(p.unity_price)::text
                ELSE 'settled' END,
           o.status, o.delivery_date,
           {is_open},
           i.updated_at, i.updated_by, i.created_at, i.created_by)::text AS r
FROM {s}.order_items i
LEFT JOIN {s}.products p ON p.product_id = i.product_id
LEFT JOIN {s}.orders o ON o.order_id = i.order_id
WHERE {filter}

-- acme verify, target side: analytical_orders as canonical text (verify_source_orders.sql); a
-- closed order's customer_name reads 'settled' when it holds one or its customer has none (in
-- the target's mirror), its total_amount when it equals the sum over its target items
-- ({order_totals}: the totals rule, sql/etl/order_totals_rule.sql, over the target's items).
SELECT o.order_id AS id,
       ROW(o.customer_id,
           CASE WHEN o.is_open THEN o.customer_name
                WHEN o.customer_name IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM {t}.customers c
                                 WHERE c.customer_id = o.customer_id AND c.customer_name IS NOT NULL)
                THEN 'settled' END,
           o.order_date, o.delivery_date, o.status,
           o.total_items,
           CASE WHEN o.is_open THEN trim_scale(o.total_amount)::text
                WHEN o.total_amount = COALESCE(x.total_amount, 0) THEN 'settled'
                ELSE 'unsettled ' || o.total_amount END,
           o.is_open,
           o.updated_at, o.updated_by, o.created_at, o.created_by)::text AS r
FROM {t}.analytical_orders o
LEFT JOIN (SELECT i.order_id, {order_totals}
           FROM {t}.analytical_order_items i
           WHERE {item_filter}
           GROUP BY i.order_id) x ON x.order_id = o.order_id
WHERE {filter}

-- acme verify, source side: analytical_orders as the invariant gives it, canonical text per
-- order. $1: the closed statuses (text[]). A closed order's customer_name and total_amount are
-- settled (history is not renamed or re-priced): they read 'settled' here, and the target side
-- says 'settled' when the order holds a name (or the customer has none to give) and the amount
-- equals the sum over the order's target items. {filter}: a condition on o.order_id;
-- {item_filter}: the same on i.order_id (the items' totals are aggregated for those orders only).
-- {order_totals}: the totals rule (sql/etl/order_totals_rule.sql) over the source's items.
SELECT o.order_id AS id,
       ROW(o.customer_id, CASE WHEN {is_open} THEN c.customer_name ELSE 'settled' END, o.order_date, o.delivery_date, o.status,
           COALESCE(x.total_items, 0)::bigint,
           CASE WHEN {is_open}
                THEN trim_scale(COALESCE(x.total_amount, 0))::text
                ELSE 'settled' END,
           {is_open},
           o.updated_at, o.updated_by, o.created_at, o.created_by)::text AS r
FROM {s}.orders o
LEFT JOIN {s}.customers c ON c.customer_id = o.customer_id
LEFT JOIN (SELECT i.order_id, {order_totals}
           FROM {s}.order_items i
           LEFT JOIN {s}.products p ON p.product_id = i.product_id
           WHERE {item_filter}
           GROUP BY i.order_id) x ON x.order_id = o.order_id
WHERE {filter}

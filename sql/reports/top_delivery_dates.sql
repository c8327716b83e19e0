-- Report 2: the 3 delivery dates with the most open orders, ties broken by the
-- earlier date. unique_customers counts distinct non-NULL customer ids. Reads the open
-- backlog only (partial index analytical_orders_open_delivery_idx).
SELECT delivery_date,
       count(*)                    AS open_order_count,
       count(DISTINCT customer_id) AS unique_customers
FROM {schema}.analytical_orders
WHERE is_open
  AND delivery_date IS NOT NULL
GROUP BY delivery_date
ORDER BY open_order_count DESC, delivery_date ASC
LIMIT 3

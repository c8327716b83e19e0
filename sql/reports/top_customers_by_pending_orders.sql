-- Report 4: the 3 customers with the most PENDING orders, ties broken by the lower
-- customer id; pending_amount sums those orders' total_amount. Orders without a customer id
-- are left out. Every order of a customer carries the customer's current name (design.md §3,
-- invariant 2): max() only picks it. Reads the PENDING orders only (index
-- analytical_orders_pending_customer_idx, partial).
SELECT customer_id,
       max(customer_name) AS customer_name,
       count(*)           AS pending_order_count,
       sum(total_amount)  AS pending_amount
FROM {schema}.analytical_orders
WHERE status = 'PENDING'
  AND customer_id IS NOT NULL
GROUP BY customer_id
ORDER BY pending_order_count DESC, customer_id ASC
LIMIT 3

-- Report 3: items of PENDING orders by product. pending_items sums quantities (NULL
-- counts as 0); pending_amount sums quantity x price where both are known (0 when none is).
-- Items with no product id form one group of their own, listed last among equals.
-- Every item of a product carries the product's current name (design.md §3, invariant 2):
-- max() only picks it. Reaches the items through the PENDING orders (partial index
-- analytical_orders_pending_customer_idx, then the items' order_id index): the cost follows the
-- pending backlog, and no item index depends on the status (their fan-out updates stay HOT,
-- migration 0005). An item's order_status is its order's status (invariant 2), so this is the
-- same set as the items whose order_status is PENDING.
SELECT i.product_id,
       max(i.product_name)                     AS product_name,
       sum(coalesce(i.quantity, 0))            AS pending_items,
       coalesce(sum(i.quantity * i.price), 0)  AS pending_amount
FROM {schema}.analytical_orders o
JOIN {schema}.analytical_order_items i ON i.order_id = o.order_id
WHERE o.status = 'PENDING'
GROUP BY i.product_id
ORDER BY pending_items DESC, i.product_id ASC NULLS LAST

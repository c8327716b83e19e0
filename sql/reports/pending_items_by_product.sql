-- Report 3 (issue 4): items of PENDING orders by product. pending_items sums quantities (NULL
-- counts as 0); pending_amount sums quantity x price where both are known (0 when none is).
-- Items with no product id form one group of their own, listed last among equals.
-- Every item of a product carries the product's current name (design.md §3, invariant 2):
-- max() only picks it. Reads the PENDING items only (partial index analytical_order_items_pending_product_idx).
SELECT product_id,
       max(product_name)                   AS product_name,
       sum(coalesce(quantity, 0))          AS pending_items,
       coalesce(sum(quantity * price), 0)  AS pending_amount
FROM {schema}.analytical_order_items
WHERE order_status = 'PENDING'
GROUP BY product_id
ORDER BY pending_items DESC, product_id ASC NULLS LAST

-- Order totals of a full load into a target that already holds data, summed over the shadow
-- items: their closed orders keep settled prices, which the source does not have.
-- total_items counts the known quantities; total_amount sums quantity x price where both are known.
-- {shadow_items}: the shadow items table.
SELECT order_id, sum(quantity) AS total_items, sum(quantity * price) AS total_amount
FROM {shadow_items}
GROUP BY order_id

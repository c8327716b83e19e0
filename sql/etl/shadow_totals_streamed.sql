-- Order totals of a first full load, from the partial sums acme wrote while the items streamed
-- past (etl/order_totals.hpp): per run of an order's items, the known quantities and the exact
-- amount (quantity x price where both are known); a price acme does not sum itself (NaN,
-- infinities, very long numbers) comes as its own row with its quantity, multiplied here.
-- The result equals sum(quanity), sum(quanity * unity_price) over the source's items, scale
-- included.
-- {partials}: the partial totals table (shadow_partial_totals.sql).
SELECT order_id, sum(items) AS total_items,
       sum(CASE WHEN price IS NULL THEN amount ELSE items * price END) AS total_amount
FROM {partials}
GROUP BY order_id

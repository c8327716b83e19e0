-- Order totals of a full load into a target that already holds data, summed over the shadow
-- items by the rule of order_totals_rule.sql ({order_totals_i}): their closed orders keep settled
-- prices, which the source does not have.
-- {shadow_items}: the shadow items table.
SELECT i.order_id, {order_totals_i}
FROM {shadow_items} i
GROUP BY i.order_id

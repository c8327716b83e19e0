-- An order's totals over its items (design.md §3): total_items sums the known quantities
-- {quantity}; total_amount sums quantity x price ({price}) over the items where both are known,
-- at the scale PostgreSQL gives that sum; an order without such items has 0. acme's one
-- definition of them (etl::order_totals_sql()): the merges' recompute (totals.sql), a full
-- reload's (shadow_totals_settled.sql) and both sides of verify. Two paths compute the same sums
-- without reading every item, each tested against this rule and the oracle: a first load's sums
-- of the streamed items (etl/order_totals.hpp) and a re-pricing's exact difference
-- (fanout_items.sql).
COALESCE(sum({quantity}), 0) AS total_items, COALESCE(sum({quantity} * {price}), 0) AS total_amount

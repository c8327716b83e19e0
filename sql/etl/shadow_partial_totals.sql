-- Where a first full load's item jobs leave their partial order totals (etl/order_totals.hpp)
-- for the orders job (shadow_totals_streamed.sql). Unlogged and unindexed: it lives for the load
-- only, and is dropped at the swap like any leftover acme_shadow_ table.
-- {partials}: its name.
DROP TABLE IF EXISTS {partials};
CREATE UNLOGGED TABLE {partials} (order_id BIGINT, items BIGINT, amount NUMERIC, price NUMERIC);

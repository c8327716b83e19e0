-- acme verify --repair: orders whose derived columns differ (totals, names) although their
-- source row may equal the target's: the merge recomputes their items and totals as for a
-- changed order (the Loader's session tables, after Loader::prepare). $1: order ids, bigint[].
WITH c AS (
    INSERT INTO acme_chg_orders (order_id) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING
)
INSERT INTO acme_aff_orders (order_id) SELECT DISTINCT unnest($1::bigint[])
ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL

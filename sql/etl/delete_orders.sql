-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): orders gone from the source. Their items stay (they are source rows of their
-- own) and lose the order's status and delivery date.
WITH d AS (
    DELETE FROM {schema}.analytical_orders o
    -- each range read through the primary key, as in cdc_delete_keys.sql, and the rows it
    -- finds deleted by their tids: as joins, the planner's estimates of the ranges' rows grew
    -- with the table until it read all of it
    WHERE o.ctid = ANY (ARRAY(
        SELECT r.ctid
        FROM acme_recon_orders b
        CROSS JOIN LATERAL (
            SELECT r.ctid, r.order_id FROM {schema}.analytical_orders r
            WHERE r.order_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
            OFFSET 0
        ) r
        WHERE NOT EXISTS (SELECT 1 FROM acme_keys_orders k WHERE k.id = r.order_id)
    ))
    RETURNING o.order_id
), f AS (
    INSERT INTO acme_chg_orders (order_id) SELECT order_id FROM d ON CONFLICT DO NOTHING
), g AS (
    INSERT INTO acme_gone_orders (order_id) SELECT order_id FROM d ON CONFLICT DO NOTHING
)
SELECT count(*) FROM d;

-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): items gone from the source; their orders' totals are recomputed.
WITH d AS (
    DELETE FROM {schema}.analytical_order_items i
    -- each range read through the primary key, as in cdc_delete_keys.sql, and the rows it
    -- finds deleted by their tids: as joins, the planner's estimates of the ranges' rows grew
    -- with the table until it read all of it
    WHERE i.ctid = ANY (ARRAY(
        SELECT r.ctid
        FROM acme_recon_order_items b
        CROSS JOIN LATERAL (
            SELECT r.ctid, r.order_item_id FROM {schema}.analytical_order_items r
            WHERE r.order_item_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
            OFFSET 0
        ) r
        WHERE NOT EXISTS (SELECT 1 FROM acme_keys_order_items k WHERE k.id = r.order_item_id)
    ))
    RETURNING i.order_id
), f AS (
    INSERT INTO acme_aff_orders (order_id)
    SELECT DISTINCT order_id FROM d WHERE order_id IS NOT NULL ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL
)
SELECT count(*) FROM d;

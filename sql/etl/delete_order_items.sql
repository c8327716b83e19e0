-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): items gone from the source; their orders' totals are recomputed.
WITH d AS (
    DELETE FROM {schema}.analytical_order_items i
    WHERE i.ctid = ANY (ARRAY({gone_tids}))
    RETURNING i.order_id
), f AS (
    INSERT INTO acme_aff_orders (order_id)
    SELECT DISTINCT order_id FROM d WHERE order_id IS NOT NULL ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL
)
SELECT count(*) FROM d;

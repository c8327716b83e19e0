-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): items gone from the source; their orders' totals are recomputed.
WITH d AS (
    DELETE FROM {schema}.analytical_order_items i
    USING acme_recon_order_items b
    WHERE i.order_item_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
      AND NOT EXISTS (SELECT 1 FROM acme_keys_order_items k WHERE k.id = i.order_item_id)
    RETURNING i.order_id
), f AS (
    INSERT INTO acme_aff_orders (order_id)
    SELECT DISTINCT order_id FROM d WHERE order_id IS NOT NULL ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL
)
SELECT count(*) FROM d;

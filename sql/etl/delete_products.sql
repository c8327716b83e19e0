-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): products gone from the source; their items lose name (and open ones, price).
WITH d AS (
    DELETE FROM {schema}.products p
    USING acme_recon_products b
    WHERE p.product_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
      AND NOT EXISTS (SELECT 1 FROM acme_keys_products k WHERE k.id = p.product_id)
    RETURNING p.product_id
), f AS (
    INSERT INTO acme_chg_products (product_id, name_changed, price_changed)
    SELECT product_id, TRUE, TRUE FROM d
    ON CONFLICT (product_id) DO UPDATE SET name_changed = TRUE, price_changed = TRUE
)
SELECT count(*) FROM d;

-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): customers gone from the source (acme_keys_customers holds its key set).
WITH d AS (
    DELETE FROM {schema}.customers c
    USING acme_recon_customers b
    WHERE c.customer_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
      AND NOT EXISTS (SELECT 1 FROM acme_keys_customers k WHERE k.id = c.customer_id)
    RETURNING c.customer_id
), f AS (
    INSERT INTO acme_chg_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
), g AS (
    INSERT INTO acme_gone_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
)
SELECT count(*) FROM d;

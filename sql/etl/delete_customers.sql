-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): customers gone from the source (acme_keys_customers holds its key set).
WITH d AS (
    DELETE FROM {schema}.customers c
    WHERE c.ctid = ANY (ARRAY({gone_tids}))
    RETURNING c.customer_id
), f AS (
    INSERT INTO acme_chg_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
), g AS (
    INSERT INTO acme_gone_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
)
SELECT count(*) FROM d;

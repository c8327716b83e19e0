-- Reconciliation: customers gone from the source (acme_keys_customers holds its key set).
WITH d AS (
    DELETE FROM {schema}.customers c
    WHERE NOT EXISTS (SELECT 1 FROM acme_keys_customers k WHERE k.id = c.customer_id)
    RETURNING c.customer_id
), f AS (
    INSERT INTO acme_chg_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
)
SELECT count(*) FROM d;

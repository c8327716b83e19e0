-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): customers gone from the source (acme_keys_customers holds its key set).
WITH d AS (
    DELETE FROM {schema}.customers c
    -- each range read through the primary key, as in cdc_delete_keys.sql, and the rows it
    -- finds deleted by their tids: as joins, the planner's estimates of the ranges' rows grew
    -- with the table until it read all of it
    WHERE c.ctid = ANY (ARRAY(
        SELECT r.ctid
        FROM acme_recon_customers b
        CROSS JOIN LATERAL (
            SELECT r.ctid, r.customer_id FROM {schema}.customers r
            WHERE r.customer_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
            OFFSET 0
        ) r
        WHERE NOT EXISTS (SELECT 1 FROM acme_keys_customers k WHERE k.id = r.customer_id)
    ))
    RETURNING c.customer_id
), f AS (
    INSERT INTO acme_chg_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
), g AS (
    INSERT INTO acme_gone_customers (customer_id) SELECT customer_id FROM d ON CONFLICT DO NOTHING
)
SELECT count(*) FROM d;

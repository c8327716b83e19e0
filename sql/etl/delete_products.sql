-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): products gone from the source; their items lose name (and open ones, price).
WITH d AS (
    DELETE FROM {schema}.products p
    -- each range read through the primary key, as in cdc_delete_keys.sql, and the rows it
    -- finds deleted by their tids: as joins, the planner's estimates of the ranges' rows grew
    -- with the table until it read all of it
    WHERE p.ctid = ANY (ARRAY(
        SELECT r.ctid
        FROM acme_recon_products b
        CROSS JOIN LATERAL (
            SELECT r.ctid, r.product_id FROM {schema}.products r
            WHERE r.product_id BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
            OFFSET 0
        ) r
        WHERE NOT EXISTS (SELECT 1 FROM acme_keys_products k WHERE k.id = r.product_id)
    ))
    RETURNING p.product_id
), f AS (
    INSERT INTO acme_chg_products (product_id, name_changed, price_changed)
    SELECT product_id, TRUE, TRUE FROM d
    ON CONFLICT (product_id) DO UPDATE SET name_changed = TRUE, price_changed = TRUE
)
SELECT count(*) FROM d;

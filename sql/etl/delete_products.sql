-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): products gone from the source; their items lose name (and open ones, price).
WITH d AS (
    DELETE FROM {schema}.products p
    WHERE p.ctid = ANY (ARRAY({gone_tids}))
    RETURNING p.product_id
), f AS (
    INSERT INTO acme_chg_products (product_id, name_changed, price_changed)
    SELECT product_id, TRUE, TRUE FROM d
    ON CONFLICT (product_id) DO UPDATE SET name_changed = TRUE, price_changed = TRUE
)
SELECT count(*) FROM d;

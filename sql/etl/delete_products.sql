-- Reconciliation: products gone from the source; their items lose name (and open ones, price).
WITH d AS (
    DELETE FROM {schema}.products p
    WHERE NOT EXISTS (SELECT 1 FROM acme_keys_products k WHERE k.id = p.product_id)
    RETURNING p.product_id
), f AS (
    INSERT INTO acme_chg_products (product_id, name_changed, price_changed)
    SELECT product_id, TRUE, TRUE FROM d
    ON CONFLICT (product_id) DO UPDATE SET name_changed = TRUE, price_changed = TRUE
)
SELECT count(*) FROM d;

-- Products: note name and price changes (fan-out to open items; to closed ones that hold no name
-- or price when the product was unknown, nameless or priceless: fill), then upsert the mirror.
-- Prices are compared as text so that a change of scale (10.0 -> 10.00) is faithfully carried
-- over.
INSERT INTO acme_chg_products (product_id, name_changed, price_changed, fill)
SELECT s.product_id,
       p.product_id IS NULL OR p.product_name IS DISTINCT FROM s.product_name,
       p.product_id IS NULL OR p.unity_price::text IS DISTINCT FROM s.unity_price::text,
       p.product_id IS NULL OR p.product_name IS NULL OR p.unity_price IS NULL
FROM acme_stg_products s
LEFT JOIN {schema}.products p ON p.product_id = s.product_id
WHERE p.product_id IS NULL
   OR p.product_name IS DISTINCT FROM s.product_name
   OR p.unity_price::text IS DISTINCT FROM s.unity_price::text
ON CONFLICT DO NOTHING;

WITH m AS (
    INSERT INTO {schema}.products AS p
        (product_id, product_name, barcode, unity_price, is_active, updated_at, updated_by, created_at, created_by)
    SELECT product_id, product_name, barcode, unity_price, is_active, updated_at, updated_by, created_at, created_by
    FROM acme_stg_products
    ON CONFLICT (product_id) DO UPDATE SET
        product_name = EXCLUDED.product_name, barcode = EXCLUDED.barcode,
        unity_price = EXCLUDED.unity_price, is_active = EXCLUDED.is_active,
        updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
        created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by
    WHERE (p.product_name, p.barcode, p.unity_price::text, p.is_active, p.updated_at, p.updated_by, p.created_at, p.created_by)
          IS DISTINCT FROM
          (EXCLUDED.product_name, EXCLUDED.barcode, EXCLUDED.unity_price::text, EXCLUDED.is_active,
           EXCLUDED.updated_at, EXCLUDED.updated_by, EXCLUDED.created_at, EXCLUDED.created_by)
    RETURNING 1
)
SELECT count(*) FROM m;

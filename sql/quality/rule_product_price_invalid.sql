-- Products with a missing, zero or negative unity_price.
SELECT p.product_id AS key, NULL::interval AS age
FROM {schema}.products p
WHERE p.unity_price IS NULL OR p.unity_price <= 0

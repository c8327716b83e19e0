-- Products whose barcode another product has too (every product of such a barcode).
SELECT s.product_id AS key, NULL::interval AS age
FROM (SELECT p.product_id, count(*) OVER (PARTITION BY p.barcode) AS sharing
      FROM {schema}.products p
      WHERE p.barcode IS NOT NULL) s
WHERE s.sharing > 1

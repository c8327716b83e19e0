-- acme verify, source side: the products mirror as canonical text (see verify_source_customers.sql).
SELECT p.product_id AS id,
       ROW(p.product_name, p.barcode, trim_scale(p.unity_price), p.is_active,
           p.updated_at, p.updated_by, p.created_at, p.created_by)::text AS r
FROM {s}.products p
WHERE {filter}

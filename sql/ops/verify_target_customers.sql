-- acme verify, target side: the customers mirror as canonical text (verify_source_customers.sql).
SELECT c.customer_id AS id,
       ROW(c.customer_name, c.is_active, c.customer_address,
           c.updated_at, c.updated_by, c.created_at, c.created_by)::text AS r
FROM {t}.customers c
WHERE {filter}

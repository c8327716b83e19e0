-- Customers: note name changes (fan-out to open orders; to closed ones that hold no name when
-- the customer was unknown or nameless: fill), then upsert the mirror. Unchanged rows are
-- not rewritten, so re-reading an overlap costs no writes.
INSERT INTO acme_chg_customers (customer_id, fill)
SELECT s.customer_id, c.customer_id IS NULL OR c.customer_name IS NULL
FROM acme_stg_customers s
LEFT JOIN {schema}.customers c ON c.customer_id = s.customer_id
WHERE c.customer_id IS NULL OR c.customer_name IS DISTINCT FROM s.customer_name
ON CONFLICT DO NOTHING;

WITH m AS (
    INSERT INTO {schema}.customers AS c
        (customer_id, customer_name, is_active, customer_address, updated_at, updated_by, created_at, created_by)
    SELECT customer_id, customer_name, is_active, customer_address, updated_at, updated_by, created_at, created_by
    FROM acme_stg_customers
    ON CONFLICT (customer_id) DO UPDATE SET
        customer_name = EXCLUDED.customer_name, is_active = EXCLUDED.is_active,
        customer_address = EXCLUDED.customer_address, updated_at = EXCLUDED.updated_at,
        updated_by = EXCLUDED.updated_by, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by
    WHERE (c.customer_name, c.is_active, c.customer_address, c.updated_at, c.updated_by, c.created_at, c.created_by)
          IS DISTINCT FROM
          (EXCLUDED.customer_name, EXCLUDED.is_active, EXCLUDED.customer_address, EXCLUDED.updated_at,
           EXCLUDED.updated_by, EXCLUDED.created_at, EXCLUDED.created_by)
    RETURNING 1
)
SELECT count(*) FROM m;

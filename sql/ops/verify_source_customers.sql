-- acme verify, source side: the customers mirror the invariant demands (design.md §3), one row
-- per key with its canonical text (a record: same text on both sides iff the values are equal;
-- numerics with trim_scale, so 1.50 = 1.5). {filter}: a condition on c.customer_id.
SELECT c.customer_id AS id,
       ROW(c.customer_name, c.is_active, c.customer_address,
           c.updated_at, c.updated_by, c.created_at, c.created_by)::text AS r
FROM {s}.customers c
WHERE {filter}

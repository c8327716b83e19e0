-- Progress of a full load or verify: the planner's row estimate of each source table in schema
-- $1 (pg_class.reltuples: -1 before the table was first vacuumed or analyzed, 0 when empty or
-- unknown). Only an estimate: acme shows it with a "~" and never relies on it.
SELECT c.relname::text AS table_name,
       c.reltuples::bigint AS estimate
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relname IN ('customers', 'products', 'orders', 'order_items')
  AND c.relkind IN ('r', 'p')

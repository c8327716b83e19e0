-- The session's work tables (sql/etl/staging.sql) that may hold rows, and whether each has grown
-- past $1 bytes (then TRUNCATE, else DELETE empties it). A table of size 0 has held no row since
-- it was created or last truncated: nothing to empty.
SELECT c.relname, pg_relation_size(c.oid) > $1 AS truncate
FROM pg_class c
WHERE c.relnamespace = pg_my_temp_schema()
  AND c.relkind = 'r'
  AND c.relname LIKE 'acme\_%'
  AND pg_relation_size(c.oid) > 0
ORDER BY c.relname

-- Whether the source table $2 of schema $1 may be read (SELECT) by acme's role; no row: no such
-- table.
SELECT has_table_privilege(c.oid, 'SELECT')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2

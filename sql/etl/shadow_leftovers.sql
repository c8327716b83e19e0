-- A full load's shadow tables left behind in schema $1 by an interrupted load (names LIKE $2,
-- the shadow prefix and %), each as a qualified, quoted name.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE $2

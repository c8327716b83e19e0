-- The columns of the source table $1 (a qualified name), comma-separated; NULL if it has none or
-- does not exist.
SELECT string_agg(a.attname, ',')
FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped

-- A live table's indexes ({live}: its qualified name as a literal), to build on its shadow: name, definition,
-- uniqueness, the constraint it backs (primary key or unique) and the table's qualified name.
-- Longest builds first, so the last one does not run alone: whole-table indexes before partial
-- ones, and among them non-unique keys (many duplicates: the slowest to sort and deduplicate),
-- composite keys first.
SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisunique::text,
       COALESCE(con.conname, ''), COALESCE(con.contype::text, ''),
       quote_ident(n.nspname) || '.' || quote_ident(t.relname)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u')
WHERE i.indrelid = {live}::regclass
ORDER BY i.indpred IS NOT NULL, i.indisunique, i.indnatts DESC, c.relname

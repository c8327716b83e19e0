-- acme doctor: the source contract as found. $1: source schema; $2: JSON object, table name ->
-- array of [column, expected format_type]. One row per expected column, in the given order:
-- whether its table exists and may be read, the column's actual type (NULL: no such column),
-- and whether the table has an index whose first column is updated_at.
WITH expected AS (
    SELECT t.key AS table_name, t.ordinality AS table_no,
           c.value ->> 0 AS column_name, c.value ->> 1 AS expected_type, c.ordinality AS column_no
    FROM jsonb_each($2::jsonb) WITH ORDINALITY AS t,
         jsonb_array_elements(t.value) WITH ORDINALITY AS c
)
SELECT e.table_name, e.column_name, e.expected_type,
       cl.oid IS NOT NULL AS table_exists,
       COALESCE(has_schema_privilege(ns.oid, 'USAGE'), false) AS schema_usage,
       COALESCE(has_table_privilege(cl.oid, 'SELECT'), false) AS can_select,
       format_type(a.atttypid, a.atttypmod) AS actual_type,
       EXISTS (SELECT 1 FROM pg_index i
               JOIN pg_attribute ia ON ia.attrelid = i.indrelid AND ia.attnum = i.indkey[0]
               WHERE i.indrelid = cl.oid AND ia.attname = 'updated_at') AS updated_at_indexed,
       COALESCE(cl.reltuples, 0)::bigint AS estimated_rows
FROM expected e
LEFT JOIN pg_namespace ns ON ns.nspname = $1
LEFT JOIN pg_class cl ON cl.relnamespace = ns.oid AND cl.relname = e.table_name
                     AND cl.relkind IN ('r', 'p')
LEFT JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attname = e.column_name
                        AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY e.table_no, e.column_no;

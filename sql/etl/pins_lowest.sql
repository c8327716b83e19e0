-- The lowest pin per table (a NULL cursor, "nothing loaded yet", is the lowest of all).
SELECT DISTINCT ON (table_name) table_name, to_char(cursor_ts, 'YYYY-MM-DD HH24:MI:SS.MS') AS cursor_ts,
       cursor_pk, gid
FROM {schema}.acme_prepared_pins
ORDER BY table_name, cursor_ts NULLS FIRST, cursor_pk NULLS FIRST

-- Pins every table's cursor for a prepared transaction seen for the first time, at the cursor
-- stored now (before this cycle saves new ones). Returns one row per table pinned.
-- $1 xact, $2 gid, $3 prepared_at, $4 table names as text[].
INSERT INTO {schema}.acme_prepared_pins AS p (xact, table_name, gid, prepared_at, cursor_ts, cursor_pk)
SELECT $1, t.name, $2, $3, s.cursor_ts, s.cursor_pk
FROM unnest($4::text[]) AS t(name)
LEFT JOIN {schema}.acme_sync_state s ON s.table_name = t.name
ON CONFLICT (xact, table_name) DO NOTHING
RETURNING p.table_name

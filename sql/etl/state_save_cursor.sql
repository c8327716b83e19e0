-- Stores a table's polling cursor in acme_sync_state: $1 the table, $2 the cursor's updated_at as
-- text ('' for none: then no key either), $3 its key, $4 whether this run read the table whole
-- (a full load, which also reconciled it). The row is rewritten only when something changed.
INSERT INTO {schema}.acme_sync_state AS s
    (table_name, cursor_ts, cursor_pk, last_full_at, last_reconciled_at, updated_at)
VALUES ($1, NULLIF($2, '')::timestamp(3), CASE WHEN $2 = '' THEN NULL ELSE $3::bigint END,
        CASE WHEN $4 THEN now() END, CASE WHEN $4 THEN now() END, now())
ON CONFLICT (table_name) DO UPDATE SET
    cursor_ts = EXCLUDED.cursor_ts,
    cursor_pk = EXCLUDED.cursor_pk,
    last_full_at = COALESCE(EXCLUDED.last_full_at, s.last_full_at),
    last_reconciled_at = COALESCE(EXCLUDED.last_reconciled_at, s.last_reconciled_at),
    updated_at = now()
WHERE (s.cursor_ts, s.cursor_pk) IS DISTINCT FROM (EXCLUDED.cursor_ts, EXCLUDED.cursor_pk)
   OR EXCLUDED.last_full_at IS NOT NULL OR EXCLUDED.last_reconciled_at IS NOT NULL

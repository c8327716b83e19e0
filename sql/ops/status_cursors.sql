-- acme status: each table's cursor (updated_at as text in the cursor's format, {ts_format}, a
-- quoted literal) and when it was last read whole and reconciled.
SELECT table_name,
       to_char(cursor_ts, {ts_format}) AS cursor_ts,
       cursor_pk,
       last_full_at::text AS last_full_at,
       last_reconciled_at::text AS last_reconciled_at
FROM {schema}.acme_sync_state
ORDER BY table_name

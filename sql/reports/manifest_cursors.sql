-- manifest.json: the per-table sync cursors the reports reflect. cursor_ts is the source's
-- TIMESTAMP(3) WITHOUT TIME ZONE, printed as is (no zone: it is in the source's time base);
-- the bookkeeping TIMESTAMPTZ columns are printed in UTC.
SELECT table_name,
       to_char(cursor_ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS')                                 AS cursor_ts,
       cursor_pk,
       to_char(last_full_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')       AS last_full_at,
       to_char(last_reconciled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_reconciled_at,
       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')         AS updated_at
FROM {schema}.acme_sync_state
ORDER BY table_name

-- Each table's cursor (updated_at as text in the cursor's format, {ts_format}, a quoted
-- literal; NULL: none yet) and whether it was ever read whole.
SELECT table_name, to_char(cursor_ts, {ts_format}), cursor_pk, last_full_at IS NOT NULL
FROM {schema}.acme_sync_state

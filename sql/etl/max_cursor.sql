-- The greatest (updated_at, key) of {relation} (a source table or a staging table), with
-- updated_at as text in the cursor's format ({ts_format}, a quoted literal); rows without a finite updated_at have
-- no place in a cursor. {pk}: the key column.
SELECT to_char(updated_at, {ts_format}), {pk}
FROM {relation}
WHERE updated_at IS NOT NULL AND isfinite(updated_at)
ORDER BY updated_at DESC, {pk} DESC
LIMIT 1

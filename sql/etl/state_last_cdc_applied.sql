-- acme status, CDC mode (cdc::read_status): the last flush that applied source commits (or the
-- snapshot hand-off): when it finished, as text, and how many seconds ago. No row: none yet.
SELECT finished_at::text, extract(epoch FROM now() - finished_at)::float8
FROM {schema}.acme_runs
WHERE status = 'succeeded' AND (mode = 'cdc-snapshot' OR (mode = 'cdc' AND rows ? 'applied_lsn'))
ORDER BY run_id DESC
LIMIT 1

-- What a quality run reads: its transaction's start and snapshot, and the newest successful
-- sync visible in it (the data the rules judge).
SELECT now()::text AS started_at,
       pg_current_snapshot()::text AS snapshot,
       r.run_id AS sync_run_id,
       r.finished_at::text AS sync_finished_at
FROM (SELECT 1) one
LEFT JOIN LATERAL (SELECT run_id, finished_at FROM {schema}.acme_runs
                   WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT 1) r ON TRUE

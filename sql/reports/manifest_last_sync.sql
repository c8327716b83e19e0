-- manifest.json: the last committed sync cycle the reports reflect (no row: never synced).
-- run_id order follows commit order because one writer at a time holds the target's lock;
-- it walks acme_runs_status_idx backwards instead of sorting the whole run history.
SELECT run_id,
       mode,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')  AS started_at,
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS finished_at
FROM {schema}.acme_runs
WHERE status = 'succeeded'
ORDER BY run_id DESC
LIMIT 1

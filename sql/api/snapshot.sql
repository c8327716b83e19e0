-- What one API snapshot reflects: the newest committed sync and quality run it sees (the report
-- cache key) and its now() in UTC (the live page's banner).
SELECT (SELECT run_id FROM {schema}.acme_runs WHERE status = 'succeeded'
        ORDER BY run_id DESC LIMIT 1) AS sync_id,
       (SELECT max(run_id) FROM {schema}.acme_quality_runs) AS quality_run_id,
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS generated_at

-- The newest recorded quality run, for acme status.
SELECT run_id, finished_at::text AS finished_at, score, table_scores::text AS table_scores,
       rules, rules_failed
FROM {schema}.acme_quality_runs
ORDER BY run_id DESC
LIMIT 1

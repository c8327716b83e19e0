-- data_quality.csv: the rules of the newest recorded quality run (`acme quality`, which cron or a
-- timer runs; acme_quality_runs / acme_quality_results), one row per rule by name, with the run's
-- overall score. No row: no run recorded yet. Reading a recorded run, not evaluating one, keeps
-- the export read-only and as cheap as the other reports.
WITH r AS (
    SELECT run_id, finished_at, score
    FROM {schema}.acme_quality_runs
    ORDER BY run_id DESC
    LIMIT 1
)
SELECT r.run_id,
       to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at,
       round(r.score::numeric, 2) AS run_score,
       q.rule_name AS rule,
       q.table_name,
       q.severity,
       q.violating_rows,
       q.total_rows,
       round(q.share::numeric, 6) AS share,
       array_to_string(q.sample_keys, ' ') AS sample_keys,
       round(q.oldest_seconds::numeric) AS oldest_seconds,
       q.error
FROM r
JOIN {schema}.acme_quality_results q ON q.run_id = r.run_id
ORDER BY q.rule_name

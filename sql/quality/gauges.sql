-- /metrics (acme serve and run-continuous-etl): recorded quality run $1 as gauges: its score per
-- table and overall (acme_quality_score{table}), and each rule's violating rows
-- (acme_quality_violations{rule}; a rule that failed to evaluate has none).
SELECT 'score' AS kind, t.key AS name, t.value::float8 AS value
FROM {schema}.acme_quality_runs r, jsonb_each_text(r.table_scores) t
WHERE r.run_id = $1 AND jsonb_typeof(r.table_scores -> t.key) = 'number'
UNION ALL
SELECT 'score', 'overall', r.score
FROM {schema}.acme_quality_runs r
WHERE r.run_id = $1 AND r.score IS NOT NULL
UNION ALL
SELECT 'violations', q.rule_name, q.violating_rows::float8
FROM {schema}.acme_quality_results q
WHERE q.run_id = $1 AND q.error IS NULL
ORDER BY 1, 2

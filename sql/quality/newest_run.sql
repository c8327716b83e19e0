-- The newest recorded quality run's id (no row: none), for the /metrics gauges.
SELECT max(run_id) AS run_id FROM {schema}.acme_quality_runs

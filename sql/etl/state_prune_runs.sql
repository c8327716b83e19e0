-- Bounded run history: keeps the newest 10,000 runs.
DELETE FROM {schema}.acme_runs
WHERE run_id <= (SELECT max(run_id) - 10000 FROM {schema}.acme_runs)

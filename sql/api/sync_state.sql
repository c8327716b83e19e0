-- acme serve's watcher, once a second: the newest committed sync (the key of the report cache:
-- what is computed for it stays valid until a newer one commits) and the age of the newest
-- proof that acme syncs (a successful cycle, or a CDC stream's stored position, which an idle
-- stream refreshes), for /readyz; and the newest recorded quality run (the quality report's and
-- the quality gauges' key). run_id order is commit order (one writer holds the lock).
SELECT (SELECT run_id FROM {schema}.acme_runs WHERE status = 'succeeded'
        ORDER BY run_id DESC LIMIT 1) AS sync_id,
       (SELECT max(run_id) FROM {schema}.acme_quality_runs) AS quality_run_id,
       extract(epoch FROM now() - greatest(
           (SELECT finished_at FROM {schema}.acme_runs WHERE status = 'succeeded'
            ORDER BY run_id DESC LIMIT 1),
           (SELECT max(updated_at) FROM {schema}.acme_cdc_state WHERE NOT needs_snapshot)))::float8
         AS sync_age_seconds

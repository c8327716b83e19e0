-- Records a finished run: $1 started_at, $2 mode, $3 status ('succeeded' or 'failed'),
-- $4 horizon_kind, $5 horizon, $6 rows (JSON), $7 error, $8 acme's version.
INSERT INTO {schema}.acme_runs
  (started_at, mode, status, horizon_kind, horizon, rows, error, acme_version)
VALUES ($1::timestamptz, $2, $3, $4, $5::timestamp(3), $6::jsonb, $7, $8)

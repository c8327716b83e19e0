-- acme status: the last run ($1 false) or the last successful one ($1 true), with its times as
-- text and its horizon in the cursor's format ({ts_format}, a quoted literal). No row: none yet.
SELECT run_id,
       started_at::text AS started_at,
       finished_at::text AS finished_at,
       mode,
       status,
       horizon_kind,
       to_char(horizon, {ts_format}) AS horizon,
       rows::text AS rows,
       error
FROM {schema}.acme_runs
WHERE NOT $1 OR status = 'succeeded'
ORDER BY run_id DESC
LIMIT 1

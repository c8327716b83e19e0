-- acme status: seconds since the newest proof that acme syncs: the end of the last successful
-- run or, in CDC mode, when the stream last stored its position (the cdc_seen placeholder:
-- sql/ops/status_cdc_seen.sql, or NULL::timestamptz before migration 3). NULL: neither yet.
SELECT extract(epoch FROM now() - greatest(
         (SELECT max(finished_at) FROM {schema}.acme_runs WHERE status = 'succeeded'),
         {cdc_seen}))::float8

-- acme status, CDC mode: acme's slot ($1) as the source sees it. lag_bytes: WAL written since the
-- position acme confirmed (its target committed everything before it); retained_bytes: WAL the
-- slot keeps on disk. flush_lag: the walsender's own measure of how long WAL took from being
-- written to being confirmed by acme (NULL once acme reported being caught up twice, or before
-- its first confirmation); caught_up: acme confirmed everything the walsender sent.
SELECT s.active,
       s.active_pid,
       s.confirmed_flush_lsn::text AS confirmed_flush_lsn,
       s.wal_status,
       s.safe_wal_size,
       GREATEST(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::bigint AS lag_bytes,
       GREATEST(pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn), 0)::bigint AS retained_bytes,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag,
       COALESCE(r.flush_lsn >= r.sent_lsn, false) AS caught_up
FROM pg_replication_slots s
LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
WHERE s.slot_name = $1;

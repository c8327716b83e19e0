-- The late-commit horizon: the newest updated_at below which no source transaction can still
-- commit rows. Run in its OWN statement (autocommit), strictly BEFORE the REPEATABLE READ
-- snapshot of the cycle is taken, and followed by sql/source/prepared_xacts.sql.
--
-- Why this is safe. Let R be this statement, `now` its statement_timestamp(), and S the
-- snapshot taken after R (and after prepared_xacts.sql) returns. Take any transaction T whose
-- rows S does not see, i.e. T commits after S was taken, so after R ended. updated_at is
-- CURRENT_TIMESTAMP(3) of T: its start, rounded to the millisecond, in the writer's time zone.
--   a) T started at or after `now`: its stamps are >= the truncated millisecond of `now`.
--   b) T started before `now` and was still running when R sampled pg_stat_activity (which
--      happens after `now`, and T commits only after R): its backend is listed below with
--      xact_start = T's start, so the horizon is at most T's truncated start millisecond - 1 ms.
--      This holds for every kind of backend that can write rows: client backends, background
--      workers (pg_cron with cron.use_background_workers), logical replication workers,
--      walsenders (a replication connection to a database may run SQL). Autovacuum workers are
--      not listed: they run VACUUM and ANALYZE only and write no rows of the source's tables. A
--      long autovacuum of a big table would hold the horizon back for its whole run, and every
--      cycle meanwhile would re-read all changes since it began.
--   c) T had already run PREPARE TRANSACTION: it no longer has a backend and is listed by
--      prepared_xacts.sql instead (read after this statement, so a transaction that prepares in
--      between was listed here as a backend); the caller pins the cursors for it (see
--      etl/cursor.hpp, apply_pin).
-- So every row S misses has updated_at > the horizon (or belongs to a pinned prepared
-- transaction). The 1 ms margin also covers the few microseconds between a transaction taking
-- its start timestamp and publishing it in pg_stat_activity.
-- The old order (snapshot first, then this read in the same statement) lost T when T committed
-- between the two: neither in the snapshot nor listed as open.
--
-- $1: source time zone ('' = session default), $2: lookback in milliseconds (the fallback when
-- this role cannot see other sessions: sees_all = false).
WITH me AS (
    SELECT statement_timestamp() AS now_ts,
           COALESCE(NULLIF($1, ''), current_setting('TimeZone')) AS tz,
           (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS sees_all
), oldest AS (
    SELECT a.pid, a.xact_start, a.backend_type,
           COALESCE(NULLIF(a.application_name, ''), a.backend_type) AS application_name
    FROM pg_stat_activity a
    WHERE a.datname = current_database()
      AND a.pid <> pg_backend_pid()
      AND a.xact_start IS NOT NULL
      AND a.backend_type IS DISTINCT FROM 'autovacuum worker'
    ORDER BY a.xact_start
    LIMIT 1
)
SELECT to_char(me.now_ts AT TIME ZONE me.tz, 'YYYY-MM-DD HH24:MI:SS.MS') AS source_now,
       me.sees_all,
       (SELECT pid FROM oldest) AS oldest_pid,
       (SELECT application_name FROM oldest) AS oldest_application,
       (SELECT to_char(xact_start AT TIME ZONE me.tz, 'YYYY-MM-DD HH24:MI:SS.MS') FROM oldest) AS oldest_start,
       to_char(date_trunc('milliseconds', LEAST(me.now_ts, (SELECT xact_start FROM oldest)) AT TIME ZONE me.tz)
               - interval '1 millisecond', 'YYYY-MM-DD HH24:MI:SS.MS') AS exact_horizon,
       to_char(date_trunc('milliseconds', (me.now_ts AT TIME ZONE me.tz) - $2 * interval '1 millisecond')
               - interval '1 millisecond', 'YYYY-MM-DD HH24:MI:SS.MS') AS lookback_horizon,
       me.tz
FROM me;

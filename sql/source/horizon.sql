-- The late-commit horizon. Run as the FIRST statement of the source's REPEATABLE READ
-- transaction: statement_timestamp() is taken before the snapshot, and pg_stat_activity is read
-- after it, so every transaction whose rows the snapshot misses either appears below as open or
-- started after statement_timestamp(). updated_at is CURRENT_TIMESTAMP(3) of the writer: its
-- transaction start, rounded to the millisecond, in the writer's time zone ($1, default: this
-- session's TimeZone). Rows such a transaction commits later have updated_at >= the truncated
-- millisecond of its start, so the horizon is that millisecond minus 1 ms.
-- $1: source time zone ('' = session default), $2: lookback in milliseconds.
WITH me AS (
    SELECT statement_timestamp() AS now_ts,
           COALESCE(NULLIF($1, ''), current_setting('TimeZone')) AS tz,
           (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS sees_all
), oldest AS (
    SELECT a.pid, a.xact_start, COALESCE(a.application_name, '') AS application_name
    FROM pg_stat_activity a
    WHERE a.datname = current_database()
      AND a.pid <> pg_backend_pid()
      AND a.backend_type = 'client backend'
      AND a.xact_start IS NOT NULL
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

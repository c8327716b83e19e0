-- acme doctor: facts about one server and acme's session on it, in one row. $1: the time zone
-- the source's writers stamp updated_at in ('' = the server's TimeZone).
-- Columns newer than the oldest supported server are read through to_jsonb, so the query runs
-- everywhere and the check says what is missing.
WITH me AS (
    SELECT COALESCE(NULLIF($1, ''), current_setting('TimeZone')) AS tz,
           make_timestamp(extract(year FROM now())::int, 1, 15, 12, 0, 0) AS winter,
           make_timestamp(extract(year FROM now())::int, 7, 15, 12, 0, 0) AS summer
)
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       current_user AS role,
       current_database() AS database,
       COALESCE(host(inet_server_addr()) || ':' || inet_server_port(), 'Unix socket') AS server,
       inet_server_addr() IS NULL
         OR inet_server_addr() <<= '127.0.0.0/8'::inet
         OR inet_server_addr() = '::1'::inet AS local,
       COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl,
       (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl_version,
       r.rolsuper AS superuser,
       r.rolreplication AS replication,
       r.rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS sees_all,
       current_setting('wal_level') AS wal_level,
       current_setting('max_slot_wal_keep_size', true) AS max_slot_wal_keep_size,
       current_setting('max_replication_slots')::int AS max_replication_slots,
       current_setting('max_wal_senders')::int AS max_wal_senders,
       current_setting('TimeZone') AS server_time_zone,
       me.tz AS writer_time_zone,
       (me.winter AT TIME ZONE me.tz) - (me.winter AT TIME ZONE 'UTC')
         <> (me.summer AT TIME ZONE me.tz) - (me.summer AT TIME ZONE 'UTC') AS writer_zone_has_dst,
       to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS clock_utc,
       extract(epoch FROM clock_timestamp())::numeric(20, 6)::text AS clock_epoch,
       -- Sessions a new ordinary connection may still open: the server's and the role's limits.
       current_setting('max_connections')::int
         - current_setting('superuser_reserved_connections')::int
         - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')
         AS free_connections,
       r.rolconnlimit AS role_connection_limit,
       (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user) AS role_sessions
FROM pg_roles r, me
WHERE r.rolname = current_user;

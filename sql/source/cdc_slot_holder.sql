-- acme cdc: who holds replication slot $1 (the walsender streaming it), for the message of a
-- start that found it in use. application_name and backend_start may be hidden from a role
-- without pg_read_all_stats: they are then empty.
SELECT s.active_pid,
       COALESCE(a.application_name, '') AS application_name,
       COALESCE(a.usename::text, '') AS role,
       COALESCE(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '') AS since
FROM pg_replication_slots s
LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid
WHERE s.slot_name = $1 AND s.active;

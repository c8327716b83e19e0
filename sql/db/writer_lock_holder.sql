-- Who holds acme's writer lock of a target schema: the session holding the advisory lock of class
-- $1 (acme's) and key hashtext($2) (the schema), as pid, application, client host, since when
-- and role. No row when this role cannot see the holder.
SELECT a.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), 'local'),
       to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), COALESCE(a.usename::text, '?')
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1
  AND l.objid::bigint = (hashtext($2) & 2147483647) AND l.objsubid = 2
LIMIT 1

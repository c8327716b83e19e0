-- Sessions holding a lock on analytical_orders or analytical_order_items, which a full load's
-- swap (DROP TABLE, ACCESS EXCLUSIVE) waits for: one line each, oldest transaction first.
-- $1, $2: the two live tables (quoted, schema-qualified).
SELECT format('pid %s (application %L, role %L, transaction open %s s: %s)', a.pid,
              a.application_name, a.usename,
              COALESCE(round(extract(epoch FROM clock_timestamp() - a.xact_start)::numeric, 1)::text, '?'),
              left(regexp_replace(a.query, '\s+', ' ', 'g'), 80))
FROM pg_stat_activity a
WHERE a.pid IN (SELECT l.pid FROM pg_locks l
                WHERE l.granted AND l.relation IN ($1::regclass, $2::regclass))
  AND a.pid <> pg_backend_pid()
ORDER BY a.xact_start NULLS LAST

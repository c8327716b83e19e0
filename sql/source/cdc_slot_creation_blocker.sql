-- acme cdc: while CREATE_REPLICATION_SLOT waits, the oldest transaction it waits for. A logical
-- slot becomes consistent only once every transaction that held a transaction ID when creation
-- began has ended, in any database of the cluster, prepared (two-phase) ones included. $1 is the
-- walsender creating the slot. Empty when none is visible (a role without pg_read_all_stats
-- sees other roles' sessions without their transaction IDs).
SELECT what, age_seconds
FROM (
    SELECT format('pid %s%s, %s', pid,
                  COALESCE(' (' || NULLIF(application_name, '') || ')', ''),
                  COALESCE('role ' || usename, 'a background worker')) AS what,
           extract(epoch FROM clock_timestamp() - xact_start)::bigint AS age_seconds
    FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND pid <> $1
    UNION ALL
    SELECT format('prepared transaction %L of role %s in database %s', gid, owner, database),
           extract(epoch FROM clock_timestamp() - prepared)::bigint
    FROM pg_prepared_xacts
) w
ORDER BY age_seconds DESC
LIMIT 1;

-- acme cdc setup: the source server's wal_level, and acme's role: its name, whether it is a
-- superuser and whether it has the REPLICATION attribute.
SELECT current_setting('wal_level'), r.rolname, r.rolsuper, r.rolreplication
FROM pg_roles r
WHERE r.rolname = current_user

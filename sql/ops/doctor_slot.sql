-- acme doctor: replication slot $1 on the source: kind, whether a stream uses it, the WAL it
-- keeps (from restart_lsn) and has not confirmed, and (PostgreSQL 13+) wal_status and
-- safe_wal_size. No row: the slot does not exist.
SELECT s.plugin, s.slot_type, s.database, s.active, s.active_pid,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint AS retained_bytes,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint AS unconfirmed_bytes,
       to_jsonb(s) ->> 'wal_status' AS wal_status,
       (to_jsonb(s) ->> 'safe_wal_size')::bigint AS safe_wal_size
FROM pg_replication_slots s
WHERE s.slot_name = $1;

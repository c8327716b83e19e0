-- The stream's start: replication slot $1's wal_status ('' when unknown; 'lost': its WAL is gone)
-- and the position its consumer confirmed ('0/0' when none). No row: no such slot.
SELECT COALESCE(wal_status, ''), COALESCE(confirmed_flush_lsn, '0/0')::text
FROM pg_replication_slots
WHERE slot_name = $1

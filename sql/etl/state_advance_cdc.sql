-- Slot $1's stream applied up to LSN $2 (never moves back); no row updated when the position is
-- not recorded or needs a snapshot.
UPDATE {schema}.acme_cdc_state
SET applied_lsn = greatest(applied_lsn, $2::pg_lsn), updated_at = now()
WHERE slot = $1 AND NOT needs_snapshot

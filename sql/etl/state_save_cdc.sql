-- Stores the position a CDC slot's changes are applied to ($1 the slot, $2 the LSN) in
-- acme_cdc_state; a stored position means no snapshot is needed.
INSERT INTO {schema}.acme_cdc_state AS s (slot, applied_lsn)
VALUES ($1, $2::pg_lsn)
ON CONFLICT (slot) DO UPDATE SET
    applied_lsn = EXCLUDED.applied_lsn, needs_snapshot = false, updated_at = now()

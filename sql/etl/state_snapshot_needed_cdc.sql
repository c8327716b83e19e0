-- Slot $1's stream needs a snapshot before it may resume: recorded, or created with no position.
INSERT INTO {schema}.acme_cdc_state (slot, applied_lsn, needs_snapshot)
VALUES ($1, '0/0', true)
ON CONFLICT (slot) DO UPDATE SET needs_snapshot = true, updated_at = now()

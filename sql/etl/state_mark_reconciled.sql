-- Table $1 was just reconciled with the source.
UPDATE {schema}.acme_sync_state
SET last_reconciled_at = now(), updated_at = now()
WHERE table_name = $1

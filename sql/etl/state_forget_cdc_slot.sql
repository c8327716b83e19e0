-- acme cdc drop-slot: slot $1's stored position becomes unusable (the slot is dropped): the next
-- stream start needs a snapshot. Returns a row when the position was recorded.
UPDATE {schema}.acme_cdc_state
SET needs_snapshot = true, updated_at = now()
WHERE slot = $1
RETURNING 1

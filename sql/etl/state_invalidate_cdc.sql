-- Every stored stream position becomes unusable (a batch sync changed the target behind the
-- stream's back): the next stream start needs a snapshot.
UPDATE {schema}.acme_cdc_state
SET needs_snapshot = true, updated_at = now()
WHERE NOT needs_snapshot

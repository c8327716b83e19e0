-- The stream position stored for slot $1: the last source LSN applied, and whether the target
-- needs a snapshot before the stream may resume. No row: never recorded.
SELECT applied_lsn::text, needs_snapshot
FROM {schema}.acme_cdc_state
WHERE slot = $1

-- The tids of the target rows in the key ranges to reconcile ({recon}) whose keys the source no
-- longer has ({keys}), spliced into delete_*.sql as {gone_tids} for the table a delete is
-- rendered for. Each range is read through the primary key and the rows go by tid: as a join,
-- the planner gives a range a fixed share of the table, and once that grew with the table it read
-- all of it (11-31 s per CDC flush with a delete at 47 M items). OFFSET 0 keeps the lookup a
-- lookup.
SELECT r.ctid
FROM {recon} b
CROSS JOIN LATERAL (
    SELECT r.ctid, r.{pk} FROM {schema}.{target} r
    WHERE r.{pk} BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
    OFFSET 0
) r
WHERE NOT EXISTS (SELECT 1 FROM {keys} k WHERE k.id = r.{pk})

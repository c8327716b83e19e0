-- CDC deletes through the reconciliation path (delete_*.sql and their fan-outs): the key ranges
-- of the deleted keys are marked for reconciliation, and the source's key set in those ranges is
-- the target's keys minus the deleted ones plus the staged ones. {table}: the TableSpec names.
-- $1: the deleted keys, bigint[].
WITH r AS (
    INSERT INTO {recon} (bucket) SELECT DISTINCT k >> {bucket_bits} FROM unnest($1::bigint[]) k
    ON CONFLICT DO NOTHING
)
INSERT INTO {keys} (id)
SELECT t.{pk}
FROM (SELECT DISTINCT k >> {bucket_bits} AS bucket FROM unnest($1::bigint[]) k) b
-- each range read through the primary key: as a join, the planner estimated a fixed share of
-- the table per range and read all of it (seq scan, 11 s at 47 M items); OFFSET 0 keeps the
-- lookup a lookup
CROSS JOIN LATERAL (
    SELECT t.{pk} FROM {schema}.{target} t
    WHERE t.{pk} BETWEEN b.bucket << {bucket_bits} AND (b.bucket << {bucket_bits}) + ((1 << {bucket_bits}) - 1)
    OFFSET 0
) t
WHERE t.{pk} <> ALL ($1::bigint[])
UNION
SELECT s.{pk} FROM {staging} s

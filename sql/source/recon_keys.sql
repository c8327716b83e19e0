-- Reconciliation, source side: the keys of {t} in the buckets of {list} (a bigint[] literal),
-- the scan bounded by {range} (the lowest and highest bucket's keys) so that it uses the
-- primary key's index.
SELECT {pk}
FROM {t}
WHERE {range} AND {pk} >> {bits} = ANY({list})

-- Reconciliation, source side: the rows of {t} ({columns}) that no cursor can see (no finite
-- updated_at) within {range}, and the rows whose key is in {keys} (a bigint[] literal).
SELECT {columns}
FROM {t}
WHERE ({range} AND (updated_at IS NULL OR NOT isfinite(updated_at)))
   OR {pk} = ANY({keys})

-- Up to {limit} of the source's keys in {keys} that the target table lacks and this cycle has not
-- staged: rows the cursor missed (a NULL or non-finite updated_at, or a late commit), to be read.
SELECT k.id
FROM {keys} k
WHERE NOT EXISTS (SELECT 1 FROM {schema}.{target} t WHERE t.{pk} = k.id)
  AND NOT EXISTS (SELECT 1 FROM {staging} s WHERE s.{pk} = k.id)
LIMIT {limit}

-- Reconciliation, source side: per bucket of keys ({pk} >> {bits}) of {t} within {range}, the
-- row count, the sum of the keys and the sum of their hashes (compared with the target's).
SELECT {pk} >> {bits}, count(*), sum({pk}), sum(hashint8({pk}))
FROM {t}
WHERE {range}
GROUP BY 1

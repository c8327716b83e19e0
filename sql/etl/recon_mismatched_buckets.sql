-- The key ranges (buckets of 2^{bucket_bits} keys) whose summary differs between the source
-- ({buckets}: count, sum and hash sum of the keys per range, read from the source) and the
-- target within {range}: each is queued for reconciliation in {recon} and returned in order.
WITH t AS (
    SELECT {pk} >> {bucket_bits} AS bucket, count(*) AS n, sum({pk}) AS s, sum(hashint8({pk})) AS h
    FROM {schema}.{target}
    WHERE {range}
    GROUP BY 1
), d AS (
    SELECT COALESCE(a.bucket, t.bucket) AS bucket
    FROM {buckets} a
    FULL JOIN t ON t.bucket = a.bucket
    WHERE a.bucket IS NULL OR t.bucket IS NULL OR (a.n, a.s, a.h) IS DISTINCT FROM (t.n, t.s, t.h)
), i AS (
    INSERT INTO {recon} (bucket) SELECT bucket FROM d RETURNING bucket
)
SELECT bucket FROM i ORDER BY bucket

-- acme verify: per key range (2^bits keys), the number of rows and the sum of a 64-bit hash
-- of each row's canonical text, over the rows of one of the verify_*_*.sql queries. Both sides
-- compute it the same way, so equal ranges are skipped without moving their rows.
SELECT x.id >> {bits} AS bucket,
       count(*) AS n,
       sum(('x' || left(md5(x.id::text || ' ' || x.r), 16))::bit(64)::bigint::numeric)::text AS h
FROM ({rows}) x
GROUP BY 1
ORDER BY 1

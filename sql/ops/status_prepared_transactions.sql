-- acme status: the prepared transactions that pin the cursors, oldest pin first.
SELECT gid, prepared_at, min(first_seen)::text AS first_seen
FROM {schema}.acme_prepared_pins
GROUP BY xact, gid, prepared_at
ORDER BY 3

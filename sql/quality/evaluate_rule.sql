-- One rule's result in the quality snapshot (src/quality/evaluator.cpp): violations is the
-- rule's SELECT of its violating rows as (key bigint, age interval). Returns how many there are,
-- the 10 smallest keys (comma-separated) and the largest age in seconds (NULL when the rule
-- measures none). Plain SELECTs only: a quality run never blocks a sync.
WITH v AS MATERIALIZED (
{violations}
)
SELECT (SELECT count(*) FROM v) AS violating,
       array_to_string(ARRAY(SELECT key FROM v ORDER BY key LIMIT 10), ',') AS samples,
       (SELECT extract(epoch FROM max(age))::float8 FROM v) AS oldest_seconds

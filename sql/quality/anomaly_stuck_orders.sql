-- Stuck orders, step 2: the open orders' current status intervals as of $1 (timestamp), per
-- status: how many, and those older than the status's limit in $2 (a JSON array of
-- {"status", "secs"}; a status without a limit is not judged): their count, the oldest age
-- (seconds) and up to $3 order ids, oldest first. Closed orders rest in their final status for
-- good and are not counted. Cost follows the open backlog (partial index WHERE is_open, then each
-- open order's current interval by its key: sql/quality/open_intervals.sql).
WITH lim AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS l(status text, secs float8)
), cur AS (
    SELECT status, order_id, EXTRACT(EPOCH FROM $1::timestamp - valid_from)::float8 AS age
    FROM ({open_intervals}) i
), judged AS (
    SELECT cur.*, lim.secs IS NOT NULL AND cur.age > lim.secs AS stuck
    FROM cur
    LEFT JOIN lim ON lim.status IS NOT DISTINCT FROM cur.status
), ranked AS (
    SELECT judged.*, row_number() OVER (PARTITION BY status, stuck ORDER BY age DESC, order_id) AS rn
    FROM judged
)
SELECT status, count(*) AS open, count(*) FILTER (WHERE stuck) AS stuck,
       max(age) FILTER (WHERE stuck) AS oldest,
       string_agg(order_id::text, ',' ORDER BY rn) FILTER (WHERE stuck AND rn <= $3) AS samples
FROM ranked
GROUP BY status
ORDER BY status NULLS LAST

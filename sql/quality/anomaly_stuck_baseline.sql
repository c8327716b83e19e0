-- Stuck orders, step 1: per status, the durations (seconds) of the completed intervals of the
-- order status history that ended in the $2 days before "now", and their median, MAD and mean
-- absolute deviation. "Now" is $1 if given, else the newest time the history recorded (as in
-- sql/reports/status_durations.sql: the source writers' clock, whatever the target's time zone).
-- Cost follows the window: a range scan of the closed-interval index.
WITH ref AS (
    SELECT COALESCE($1::timestamp,
                    GREATEST((SELECT max(valid_to) FROM {schema}.analytical_order_status_history WHERE valid_to IS NOT NULL),
                             (SELECT max(valid_from) FROM ({open_intervals}) cur))) AS now_ts
), closed AS (
    SELECT h.status, EXTRACT(EPOCH FROM h.valid_to - h.valid_from)::float8 AS secs
    FROM {schema}.analytical_order_status_history h
    WHERE h.valid_to IS NOT NULL
      AND h.valid_to > (SELECT now_ts FROM ref) - $2::int * interval '1 day'
      AND h.valid_to <= (SELECT now_ts FROM ref)
), m AS (
    SELECT status, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS med
    FROM closed
    GROUP BY status
)
SELECT (SELECT now_ts::text FROM ref) AS now_ts, m.status, m.n, m.med,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(c.secs - m.med)) AS mad,
       avg(abs(c.secs - m.med)) AS mean_ad
FROM m
JOIN closed c ON c.status IS NOT DISTINCT FROM m.status
GROUP BY m.status, m.n, m.med
UNION ALL
SELECT (SELECT now_ts::text FROM ref), NULL, 0, NULL, NULL, NULL
WHERE NOT EXISTS (SELECT 1 FROM m)
ORDER BY 2 NULLS LAST

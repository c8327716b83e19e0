-- Time in status (order status history): per status, the intervals that ended in the last
-- {days} days (count, distinct orders, average / median / 90th percentile / longest duration in
-- hours) and, for the open backlog, the intervals still open (count, 90th percentile of their
-- age). Closed orders rest in their final status for good: their open intervals are not
-- counted (their age would only measure history). "Now" is the newest time the history
-- recorded (its newest valid_to, or the newest start of an open order's current interval, in the
-- source writers' clock), so the figures describe the data as synced, whatever the target
-- server's time zone.
-- Cost follows the window and the open backlog, not the history's size: "now" is computed once
-- (a backward scan of the closed-interval index, and the open orders' current intervals), the
-- closed part is a range scan of the closed-interval index (Index Cond: valid_to > now - {days}
-- days) and the open part reads the open orders (partial index WHERE is_open) and their current
-- intervals (open-interval index). Each part reads the table itself: a CTE over the whole table
-- referenced twice is materialized, i.e. the whole history read per export.
WITH ref AS (
    SELECT GREATEST((SELECT max(valid_to) FROM {schema}.analytical_order_status_history WHERE valid_to IS NOT NULL),
                    (SELECT max(h.valid_from)
                     FROM {schema}.analytical_orders o
                     JOIN {schema}.analytical_order_status_history h
                       ON h.order_id = o.order_id AND h.valid_to IS NULL
                     WHERE o.is_open)) AS now_ts
), closed AS (
    SELECT h.status, h.order_id, EXTRACT(EPOCH FROM h.valid_to - h.valid_from) / 3600.0 AS hours
    FROM {schema}.analytical_order_status_history h
    WHERE h.valid_to IS NOT NULL
      AND h.valid_to > (SELECT now_ts FROM ref) - {days} * interval '1 day'
), open AS (
    SELECT h.status, EXTRACT(EPOCH FROM (SELECT now_ts FROM ref) - h.valid_from) / 3600.0 AS hours
    FROM {schema}.analytical_orders o
    JOIN {schema}.analytical_order_status_history h ON h.order_id = o.order_id AND h.valid_to IS NULL
    WHERE o.is_open
), c AS (
    SELECT status, count(*) AS intervals, count(DISTINCT order_id) AS orders,
           round(avg(hours)::numeric, 2) AS avg_hours,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY hours))::numeric, 2) AS p50_hours,
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY hours))::numeric, 2) AS p90_hours,
           round(max(hours)::numeric, 2) AS max_hours
    FROM closed GROUP BY status
), o AS (
    SELECT status, count(*) AS open_intervals,
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY hours))::numeric, 2) AS open_p90_hours
    FROM open GROUP BY status
)
SELECT s.status,
       COALESCE(c.intervals, 0) AS intervals,
       COALESCE(c.orders, 0) AS orders,
       c.avg_hours, c.p50_hours, c.p90_hours, c.max_hours,
       COALESCE(o.open_intervals, 0) AS open_intervals,
       o.open_p90_hours
FROM (SELECT status FROM c UNION SELECT status FROM o) s
LEFT JOIN c ON c.status IS NOT DISTINCT FROM s.status
LEFT JOIN o ON o.status IS NOT DISTINCT FROM s.status
ORDER BY s.status NULLS LAST

-- Time in status (order status history): per status, the intervals that ended in the last
-- {days} days (count, distinct orders, average / median / 90th percentile / longest duration in
-- hours) and, for the open backlog, the intervals still open (count, 90th percentile of their
-- age). Closed orders rest in their final status for good: their open intervals are not
-- counted (their age would only measure history). "Now" is the newest time the history
-- recorded (its newest valid_to, or the newest start of an open order's current interval, in the
-- source writers' clock), so the figures describe the data as synced, whatever the target
-- server's time zone.
-- Cost follows the window and the open backlog, not the history's size: the closed part is a
-- range scan of the closed-interval index (Index Cond: valid_to > now - {days} days); the open
-- part is the open orders' current intervals, each looked up by its order
-- (sql/quality/open_intervals.sql; cur, read once for "now" and once for the ages: the open
-- backlog's rows only).
WITH cur AS (
    {open_intervals}
), ref AS (
    SELECT GREATEST((SELECT max(valid_to) FROM {schema}.analytical_order_status_history WHERE valid_to IS NOT NULL),
                    (SELECT max(valid_from) FROM cur)) AS now_ts
), closed AS (
    SELECT h.status, h.order_id, EXTRACT(EPOCH FROM h.valid_to - h.valid_from) / 3600.0 AS hours
    FROM {schema}.analytical_order_status_history h
    WHERE h.valid_to IS NOT NULL
      AND h.valid_to > (SELECT now_ts FROM ref) - {days} * interval '1 day'
), open AS (
    SELECT status, EXTRACT(EPOCH FROM (SELECT now_ts FROM ref) - valid_from) / 3600.0 AS hours
    FROM cur
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

-- Report 1: open orders by delivery date and status. "Open" is is_open, which the
-- ETL derives from the configured closed set (NULL status is open). Reads the open backlog
-- only, through the partial index analytical_orders_open_delivery_idx: cost follows the
-- backlog, not history. Statuses sort by byte order (COLLATE "C") so the order is the same
-- whatever the target database's locale.
SELECT delivery_date,
       status,
       count(*)          AS order_count,
       sum(total_amount) AS total_amount
FROM {schema}.analytical_orders
WHERE is_open
GROUP BY delivery_date, status
ORDER BY delivery_date ASC NULLS LAST, status COLLATE "C" ASC NULLS LAST

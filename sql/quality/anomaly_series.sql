-- Daily series for anomaly detection, one row per day from $1 to $2 (dates, inclusive):
-- new_orders: orders whose order_date is the day (orders without an order_date are not counted);
-- cancellations: orders entering status $3 that day (an interval of the status history starting
-- then: the sync dates it by the order's updated_at);
-- items_per_order: the mean total_items (sum of the item quantities) of the day's new orders;
-- order_amount: the mean total_amount of the day's new orders (a mean, so that it does not
-- repeat new_orders). The means are NULL on a day without orders.
-- Cost follows the window, not the history: the window's orders through their order_date index,
-- the intervals of status $3 that started in it through (status, valid_from) (migration 0012).
WITH days AS (
    SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS d
), o AS (
    SELECT order_date AS day, count(*) AS orders, avg(total_items) AS items, avg(total_amount) AS amount
    FROM {schema}.analytical_orders
    WHERE order_date BETWEEN $1::date AND $2::date
    GROUP BY order_date
), c AS (
    SELECT h.valid_from::date AS day, count(DISTINCT h.order_id) AS cancellations
    FROM {schema}.analytical_order_status_history h
    WHERE h.status = $3
      AND (h.valid_to IS NULL OR h.valid_to >= $1::date)
      AND h.valid_from >= $1::date AND h.valid_from < $2::date + 1
    GROUP BY h.valid_from::date
)
SELECT days.day::text AS day,
       COALESCE(o.orders, 0) AS new_orders,
       COALESCE(c.cancellations, 0) AS cancellations,
       round(o.items, 4)::text AS items_per_order,
       round(o.amount, 2)::text AS order_amount
FROM days
LEFT JOIN o ON o.day = days.day
LEFT JOIN c ON c.day = days.day
ORDER BY days.day

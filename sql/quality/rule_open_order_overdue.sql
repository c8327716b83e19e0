-- Open orders whose delivery date is more than overdue_days days before today (the target
-- session's current_date). Age: how long past the delivery date.
SELECT o.order_id AS key, (current_date - o.delivery_date) * interval '1 day' AS age
FROM {schema}.analytical_orders o
WHERE o.is_open AND o.delivery_date < current_date - {overdue_days}

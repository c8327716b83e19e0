-- Orders delivered (or due) before they were ordered.
SELECT o.order_id AS key, NULL::interval AS age
FROM {schema}.analytical_orders o
WHERE o.delivery_date < o.order_date

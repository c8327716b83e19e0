-- Orders whose status is NULL or not one of the known statuses (known: a text[] literal).
SELECT o.order_id AS key, NULL::interval AS age
FROM {schema}.analytical_orders o
WHERE o.status IS NULL OR NOT (o.status = ANY ({known}))

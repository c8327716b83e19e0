-- Orders whose customer is not in the customers mirror (or NULL). Age: since acme last wrote the
-- order.
SELECT o.order_id AS key, now() - o.synced_at AS age
FROM {schema}.analytical_orders o
WHERE o.customer_id IS NULL
   OR NOT EXISTS (SELECT 1 FROM {schema}.customers c WHERE c.customer_id = o.customer_id)

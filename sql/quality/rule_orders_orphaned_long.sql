-- Orders whose customer has been missing for longer than grace_hours hours (acme last wrote the
-- order more than that ago and the customer is still missing).
SELECT o.order_id AS key, now() - o.synced_at AS age
FROM {schema}.analytical_orders o
WHERE o.synced_at < now() - make_interval(hours => {grace_hours})
  AND (o.customer_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM {schema}.customers c WHERE c.customer_id = o.customer_id))

-- Items whose order or product has been missing for longer than grace_hours hours: acme last
-- wrote the item (synced_at) more than that ago and the reference is still missing.
SELECT i.order_item_id AS key, now() - i.synced_at AS age
FROM {schema}.analytical_order_items i
WHERE i.synced_at < now() - make_interval(hours => {grace_hours})
  AND (i.order_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM {schema}.analytical_orders o WHERE o.order_id = i.order_id)
       OR i.product_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM {schema}.products p WHERE p.product_id = i.product_id))

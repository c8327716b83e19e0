-- Whether the target holds no order and no item yet: a full load then has no settled prices to
-- keep.
SELECT NOT EXISTS (SELECT 1 FROM {schema}.analytical_orders)
   AND NOT EXISTS (SELECT 1 FROM {schema}.analytical_order_items)

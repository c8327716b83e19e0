-- A full load observes one state per order: every order of the shadow table, plus a delete for
-- every live order the source no longer has (history_orders.sql then opens and closes intervals
-- only where the status differs from the open one). Run before the swap.
-- {shadow}: the shadow orders table.
INSERT INTO acme_evt_orders (seq, order_id, deleted, status, at)
SELECT 0, order_id, false, status, updated_at FROM {shadow}
UNION ALL
SELECT 1, o.order_id, true, NULL, NULL
FROM {schema}.analytical_orders o
WHERE NOT EXISTS (SELECT 1 FROM {shadow} s WHERE s.order_id = o.order_id);

-- Reports over a time window read the window, not the history. Closed orders pile up for years,
-- and each keeps its final status interval open for good, so a scan of the orders or of the
-- open intervals grows with the history whatever the window:
-- 1. the anomaly series counts the orders of each day in its window: by order_date;
-- 2. it counts the intervals that started in its window with one status (cancellations): by
--    (status, valid_from), on the partitioned table so that every month partition has it.
-- order_date never changes when an order's status or totals do: order updates stay HOT.
CREATE INDEX IF NOT EXISTS analytical_orders_order_date_idx
    ON {schema}.analytical_orders (order_date);
CREATE INDEX IF NOT EXISTS analytical_order_status_history_started_idx
    ON {schema}.analytical_order_status_history (status, valid_from);

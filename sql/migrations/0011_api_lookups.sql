-- acme serve's GET /api/v1/orders/{id} reads one order's status history: by order_id, not by a
-- scan of every interval (the open-interval index covers current statuses only). Created on the
-- partitioned table, so every month partition, present and future, has it.
CREATE INDEX IF NOT EXISTS analytical_order_status_history_order_idx
    ON {schema}.analytical_order_status_history (order_id);

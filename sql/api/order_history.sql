-- GET /api/v1/orders/{id}: its status history ($1 = order_id), oldest first (valid_to NULL: the
-- current status). Reads the history's order_id index (migration 0011).
SELECT status, valid_from, valid_to, observed_by
FROM {schema}.analytical_order_status_history
WHERE order_id = $1
ORDER BY valid_from, history_id

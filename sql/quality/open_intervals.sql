-- The open orders' current status intervals (order_id, status, valid_from), spliced into the
-- queries that read them as {open_intervals}: the open orders through their partial index, then
-- each one's open interval by its key. Closed orders rest in their final status for good, so
-- their intervals stay open too and pile up with the history; a plain join lets the planner hash
-- every open interval instead (180,000 for 2,280 open orders at 10x history in bench/history).
-- OFFSET 0 keeps the lookup a lookup.
SELECT o.order_id, h.status, h.valid_from
FROM {schema}.analytical_orders o
CROSS JOIN LATERAL (
    SELECT h.status, h.valid_from FROM {schema}.analytical_order_status_history h
    WHERE h.order_id = o.order_id AND h.valid_to IS NULL OFFSET 0
) h
WHERE o.is_open

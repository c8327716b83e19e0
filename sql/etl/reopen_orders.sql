-- The closed-status set changed since the last cycle: recompute is_open everywhere (one scan),
-- and fan out to the items of every order whose openness flipped.
WITH u AS (
    UPDATE {schema}.analytical_orders o
    SET is_open = {is_open_o}, synced_at = now()
    WHERE o.is_open IS DISTINCT FROM {is_open_o}
    RETURNING o.order_id
), f AS (
    INSERT INTO acme_chg_orders (order_id) SELECT order_id FROM u ON CONFLICT DO NOTHING
)
SELECT count(*) FROM u;

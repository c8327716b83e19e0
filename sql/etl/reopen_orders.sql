-- The closed-status set changed since the last cycle: recompute is_open everywhere (one scan),
-- and fan out to the items of every order whose openness flipped (was_open: its openness before
-- this sync). A reopened order shows its customer's current name (settled_rule.sql); one that
-- closes keeps the name it has, which is current (fanout_customers.sql brings it up to date if
-- the customer changes in this same sync).
WITH u AS (
    UPDATE {schema}.analytical_orders o
    SET is_open = {is_open_o},
        customer_name = CASE WHEN {is_open_o}
                             THEN (SELECT c.customer_name FROM {schema}.customers c
                                   WHERE c.customer_id = o.customer_id)
                             ELSE o.customer_name END,
        synced_at = now()
    WHERE o.is_open IS DISTINCT FROM {is_open_o}
    RETURNING o.order_id, o.is_open
), f AS (
    INSERT INTO acme_chg_orders (order_id, was_open)
    SELECT order_id, NOT is_open FROM u ON CONFLICT DO NOTHING
)
SELECT count(*) FROM u;

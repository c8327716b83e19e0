-- Order totals for every order whose items (or existence) changed, by the rule of
-- order_totals_rule.sql ({order_totals_i}).
-- Orders whose only change is re-priced items with a known difference (d_amount, see
-- fanout_items.sql) add it to total_amount, exactly and at the same scale, without reading
-- their items; the others are recomputed from their items.
WITH x AS (
    SELECT a.order_id, {order_totals_i}
    FROM acme_aff_orders a
    LEFT JOIN {schema}.analytical_order_items i ON i.order_id = a.order_id
    WHERE a.d_amount IS NULL
    GROUP BY a.order_id
), u AS (
    UPDATE {schema}.analytical_orders o
    SET total_items = x.total_items, total_amount = x.total_amount, synced_at = now()
    FROM x
    WHERE o.order_id = x.order_id
      AND (o.total_items, o.total_amount::text) IS DISTINCT FROM (x.total_items, x.total_amount::text)
    RETURNING 1
), d AS (
    UPDATE {schema}.analytical_orders o
    SET total_amount = o.total_amount + a.d_amount, synced_at = now()
    FROM acme_aff_orders a
    WHERE o.order_id = a.order_id AND a.d_amount <> 0
    RETURNING 1
)
SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM d);

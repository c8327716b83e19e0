-- A customer appeared, was renamed or vanished: open orders of theirs show the current name, and
-- so do orders that closed in this sync (they settle with it: settled_rule.sql). Closed orders
-- keep the name they settled with, except where they hold none because the customer was unknown
-- or nameless (fill). Orders staged in this sync were merged with the rule already
-- (merge_orders.sql); rewriting them again here changes nothing.
-- Each branch reads only its part of the customer's orders through (customer_id, is_open): a
-- rename costs the customer's open backlog, not its history.
WITH r AS (
    SELECT o.ctid AS tid, cc.customer_id
    FROM acme_chg_customers cc
    JOIN {schema}.analytical_orders o ON o.customer_id = cc.customer_id AND o.is_open
    UNION ALL
    SELECT o.ctid, cc.customer_id
    FROM acme_chg_customers cc
    JOIN {schema}.analytical_orders o ON o.customer_id = cc.customer_id AND NOT o.is_open
    WHERE cc.fill AND o.customer_name IS NULL
    UNION ALL
    SELECT o.ctid, cc.customer_id
    FROM acme_chg_orders co
    JOIN {schema}.analytical_orders o ON o.order_id = co.order_id AND NOT o.is_open
    JOIN acme_chg_customers cc ON cc.customer_id = o.customer_id
    WHERE co.was_open
), u AS (
    UPDATE {schema}.analytical_orders o
    SET customer_name = c.customer_name, synced_at = now()
    FROM (SELECT DISTINCT tid, customer_id FROM r) n
    LEFT JOIN {schema}.customers c ON c.customer_id = n.customer_id
    WHERE o.ctid = n.tid
      AND o.customer_name IS DISTINCT FROM c.customer_name
    RETURNING 1
)
SELECT count(*) FROM u;

-- A customer appeared, was renamed or vanished: every order of theirs shows the current name.
WITH u AS (
    UPDATE {schema}.analytical_orders o
    SET customer_name = c.customer_name, synced_at = now()
    FROM acme_chg_customers cc
    LEFT JOIN {schema}.customers c ON c.customer_id = cc.customer_id
    WHERE o.customer_id = cc.customer_id
      AND o.customer_name IS DISTINCT FROM c.customer_name
    RETURNING 1
)
SELECT count(*) FROM u;

-- Reconciliation, within the key ranges whose summaries differ (acme_recon_*): orders gone from the source. Their items stay (they are source rows of their
-- own) and lose the order's status and delivery date.
WITH d AS (
    DELETE FROM {schema}.analytical_orders o
    WHERE o.ctid = ANY (ARRAY({gone_tids}))
    RETURNING o.order_id
), f AS (
    INSERT INTO acme_chg_orders (order_id) SELECT order_id FROM d ON CONFLICT DO NOTHING
), g AS (
    INSERT INTO acme_gone_orders (order_id) SELECT order_id FROM d ON CONFLICT DO NOTHING
)
SELECT count(*) FROM d;

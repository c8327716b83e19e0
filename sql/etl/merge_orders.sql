-- Orders: note status / delivery-date / openness changes and new orders (fan-out to items and
-- totals), then upsert with the customer's current name. Totals are computed later.
INSERT INTO acme_chg_orders (order_id, is_new)
SELECT s.order_id, o.order_id IS NULL
FROM acme_stg_orders s
LEFT JOIN {schema}.analytical_orders o ON o.order_id = s.order_id
WHERE o.order_id IS NULL
   OR o.status IS DISTINCT FROM s.status
   OR o.delivery_date IS DISTINCT FROM s.delivery_date
ON CONFLICT (order_id) DO UPDATE SET is_new = acme_chg_orders.is_new OR EXCLUDED.is_new;

-- New orders' totals are computed from their items (which may have arrived before them); the
-- other orders' totals change only through their items (merge_items.sql, fanout_items.sql,
-- delete_order_items.sql).
INSERT INTO acme_aff_orders (order_id)
SELECT order_id FROM acme_chg_orders WHERE is_new
ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL;

WITH m AS (
    INSERT INTO {schema}.analytical_orders AS o
        (order_id, customer_id, customer_name, order_date, delivery_date, status, is_open,
         updated_at, updated_by, created_at, created_by, synced_at)
    SELECT s.order_id, s.customer_id, c.customer_name, s.order_date, s.delivery_date, s.status,
           {is_open_s},
           s.updated_at, s.updated_by, s.created_at, s.created_by, now()
    FROM acme_stg_orders s
    LEFT JOIN {schema}.customers c ON c.customer_id = s.customer_id
    ON CONFLICT (order_id) DO UPDATE SET
        customer_id = EXCLUDED.customer_id, customer_name = EXCLUDED.customer_name,
        order_date = EXCLUDED.order_date, delivery_date = EXCLUDED.delivery_date,
        status = EXCLUDED.status, is_open = EXCLUDED.is_open,
        updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
        created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by,
        synced_at = EXCLUDED.synced_at
    WHERE (o.customer_id, o.customer_name, o.order_date, o.delivery_date, o.status, o.is_open,
           o.updated_at, o.updated_by, o.created_at, o.created_by)
          IS DISTINCT FROM
          (EXCLUDED.customer_id, EXCLUDED.customer_name, EXCLUDED.order_date, EXCLUDED.delivery_date,
           EXCLUDED.status, EXCLUDED.is_open, EXCLUDED.updated_at, EXCLUDED.updated_by,
           EXCLUDED.created_at, EXCLUDED.created_by)
    RETURNING 1
)
SELECT count(*) FROM m;

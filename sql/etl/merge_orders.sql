-- Orders: note status / delivery-date / openness changes and new orders (fan-out to items and
-- totals), then upsert. Totals are computed later.
-- was_open: open before this sync (a row the closed-set step, reopen_orders.sql, noted first
-- keeps its value: that step already changed is_open).
INSERT INTO acme_chg_orders (order_id, is_new, was_open)
SELECT s.order_id, o.order_id IS NULL, COALESCE(o.is_open, FALSE)
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

-- customer_name: the rule of settled_rule.sql ({order_name}): the customer's current name while
-- the order is open or was open before this sync, for a new order or one that changed customer,
-- or when it holds no name; else the name it kept when it closed.
WITH base AS (
    SELECT s.*, c.customer_name AS current_name, o.customer_name AS kept_name,
           {is_open_s} OR COALESCE(co.was_open, o.is_open, FALSE) AS order_live,
           o.order_id IS NULL OR o.customer_id IS DISTINCT FROM s.customer_id AS order_refreshed
    FROM acme_stg_orders s
    LEFT JOIN {schema}.customers c ON c.customer_id = s.customer_id
    LEFT JOIN {schema}.analytical_orders o ON o.order_id = s.order_id
    LEFT JOIN acme_chg_orders co ON co.order_id = s.order_id
), m AS (
    INSERT INTO {schema}.analytical_orders AS o
        (order_id, customer_id, customer_name, order_date, delivery_date, status, is_open,
         updated_at, updated_by, created_at, created_by, synced_at)
    SELECT s.order_id, s.customer_id, {order_name}, s.order_date, s.delivery_date, s.status,
           {is_open_s},
           s.updated_at, s.updated_by, s.created_at, s.created_by, now()
    FROM base s
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

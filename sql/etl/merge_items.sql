-- Recompute every staged (new or changed) item from its staged row, its product and its order,
-- and upsert it; unchanged results are not rewritten. Items that only follow their order or
-- product are rewritten in place by fanout_items.sql.
-- price and product_name: the rule of settled_rule.sql ({item_price}, {item_name}): the product's
-- current values while the order is open or was open before this sync (the item's own is_open
-- in the target), when the item row itself is new or changed, or where it holds none yet; else
-- the values it settled with.
-- An order's totals depend on its items' (order_id, quantity, price) only: its totals are
-- recomputed when an item joins or leaves it or one of those changes, not for a rewrite of the
-- order's status, delivery date or product name in its items.
WITH base AS (
    SELECT s.order_item_id, s.order_id, s.product_id, s.quanity AS quantity,
           s.updated_at, s.updated_by, s.created_at, s.created_by,
           t.order_id AS old_order_id,
           t.quantity AS old_quantity,
           t.price AS kept_price, t.product_name AS kept_name,
           t.order_item_id IS NULL
             OR (t.order_id, t.product_id, t.quantity, t.updated_at, t.updated_by, t.created_at, t.created_by)
                IS DISTINCT FROM
                (s.order_id, s.product_id, s.quanity, s.updated_at, s.updated_by, s.created_at, s.created_by)
             AS item_refreshed,
           p.product_name AS current_name, p.unity_price AS current_price,
           o.status, o.delivery_date, COALESCE(o.is_open, TRUE) AS item_open,
           COALESCE(o.is_open, TRUE) OR COALESCE(t.is_open, FALSE) AS item_live
    FROM acme_stg_order_items s
    LEFT JOIN {schema}.analytical_order_items t ON t.order_item_id = s.order_item_id
    LEFT JOIN {schema}.products p ON p.product_id = s.product_id
    LEFT JOIN {schema}.analytical_orders o ON o.order_id = s.order_id
), m AS (
    INSERT INTO {schema}.analytical_order_items AS i
        (order_item_id, order_id, product_id, product_name, quantity, price, order_status,
         delivery_date, is_open, updated_at, updated_by, created_at, created_by, synced_at)
    SELECT b.order_item_id, b.order_id, b.product_id, {item_name}, b.quantity, {item_price},
           b.status, b.delivery_date, b.item_open,
           b.updated_at, b.updated_by, b.created_at, b.created_by, now()
    FROM base b
    ON CONFLICT (order_item_id) DO UPDATE SET
        order_id = EXCLUDED.order_id, product_id = EXCLUDED.product_id,
        product_name = EXCLUDED.product_name, quantity = EXCLUDED.quantity, price = EXCLUDED.price,
        order_status = EXCLUDED.order_status, delivery_date = EXCLUDED.delivery_date,
        is_open = EXCLUDED.is_open, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
        created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by, synced_at = EXCLUDED.synced_at
    WHERE (i.order_id, i.product_id, i.product_name, i.quantity, i.price::text, i.order_status,
           i.delivery_date, i.is_open, i.updated_at, i.updated_by, i.created_at, i.created_by)
          IS DISTINCT FROM
          (EXCLUDED.order_id, EXCLUDED.product_id, EXCLUDED.product_name, EXCLUDED.quantity,
           EXCLUDED.price::text, EXCLUDED.order_status, EXCLUDED.delivery_date, EXCLUDED.is_open,
           EXCLUDED.updated_at, EXCLUDED.updated_by, EXCLUDED.created_at, EXCLUDED.created_by)
    RETURNING i.order_item_id, i.order_id, i.quantity, i.price
), f AS (
    INSERT INTO acme_aff_orders (order_id)
    SELECT m.order_id
    FROM m JOIN base b ON b.order_item_id = m.order_item_id
    WHERE m.order_id IS NOT NULL
      AND (b.old_order_id IS DISTINCT FROM m.order_id
           OR (b.old_quantity, b.kept_price::text) IS DISTINCT FROM (m.quantity, m.price::text))
    UNION
    SELECT old_order_id FROM base WHERE old_order_id IS NOT NULL AND old_order_id IS DISTINCT FROM order_id
    ON CONFLICT (order_id) DO UPDATE SET d_amount = NULL
)
SELECT count(*) FROM m;

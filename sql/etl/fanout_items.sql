-- Items whose own row did not change but whose order or product did: items of changed orders
-- (status, delivery date, openness, new or deleted orders), the open items of a renamed or
-- re-priced product, and the closed items of a product that was unknown, nameless or priceless
-- (fill) where they hold no name or price (closed orders keep their settled values). Only the
-- columns they take from their order and product are rewritten, in place: one narrow UPDATE (no
-- speculative insert and row lock, as the upsert of merge_items.sql needs). Staged items are
-- left to merge_items.sql, which recomputes them whole. The values are the ones merge_items.sql
-- computes for an item whose base row is unchanged: the product's name and price by the rule of
-- settled_rule.sql ({item_name}, {item_price}, the item row not refreshed; item_live: its order
-- is open now, or was before this sync: the item's own is_open in the target); the order's
-- status, delivery date and openness.
-- Items of changed orders read their order; items reached only through their product keep
-- their order's columns, which the target already holds for an order that did not change (so a
-- rename does not look up the order of each of its items). The branches are disjoint: each item
-- is reached once. Each product branch reads only its part of the product's items through
-- (product_id, is_open): a rename or a price change costs the open backlog, not history.
-- Orders whose items' prices changed get their totals recomputed (totals.sql).
WITH r AS (
    SELECT i.ctid AS tid, i.price AS kept_price, i.product_name AS kept_name,
           p.product_name AS current_name, p.unity_price AS current_price,
           o.status, o.delivery_date, COALESCE(o.is_open, TRUE) AS item_open,
           COALESCE(o.is_open, TRUE) OR i.is_open AS item_live,
           FALSE AS item_refreshed -- reached through its order or product, not its own row
    -- each changed order is looked up once, not once per item
    FROM acme_chg_orders c
    LEFT JOIN {schema}.analytical_orders o ON o.order_id = c.order_id
    JOIN {schema}.analytical_order_items i ON i.order_id = c.order_id
    -- each item's product by its key: a hash join read the whole products table every flush
    -- (~1 ms at 5,000 products, growing with the catalog, not the change); OFFSET 0 keeps the
    -- planner from turning the lookup back into that join
    LEFT JOIN LATERAL (
        SELECT p.product_name, p.unity_price FROM {schema}.products p
        WHERE p.product_id = i.product_id OFFSET 0
    ) p ON TRUE
    WHERE NOT EXISTS (SELECT 1 FROM acme_stg_order_items s WHERE s.order_item_id = i.order_item_id)
    UNION ALL
    SELECT h.tid, h.price, h.product_name, p.product_name, p.unity_price,
           h.order_status, h.delivery_date, h.is_open, h.is_open, FALSE
    FROM (
        -- the open items of a renamed or re-priced product
        SELECT i.ctid AS tid, i.*
        FROM acme_chg_products c
        JOIN {schema}.analytical_order_items i ON i.product_id = c.product_id AND i.is_open = TRUE
        UNION ALL
        -- closed items still missing what a product that was unknown, nameless or priceless
        -- now has
        SELECT i.ctid, i.*
        FROM acme_chg_products c
        JOIN {schema}.analytical_order_items i ON i.product_id = c.product_id AND i.is_open = FALSE
        WHERE c.fill AND (i.product_name IS NULL OR i.price IS NULL)
    ) h
    LEFT JOIN {schema}.products p ON p.product_id = h.product_id
    WHERE NOT EXISTS (SELECT 1 FROM acme_stg_order_items s WHERE s.order_item_id = h.order_item_id)
      AND NOT EXISTS (SELECT 1 FROM acme_chg_orders o WHERE o.order_id = h.order_id)
), n AS (
    SELECT tid, kept_price AS old_price, {item_name} AS product_name, {item_price} AS price,
           status, delivery_date, item_open AS is_open
    FROM r
), u AS (
    UPDATE {schema}.analytical_order_items t
    SET product_name = n.product_name, price = n.price, order_status = n.status,
        delivery_date = n.delivery_date, is_open = n.is_open, synced_at = now()
    FROM n
    WHERE t.ctid = n.tid
      AND (t.product_name, t.price::text, t.order_status, t.delivery_date, t.is_open)
          IS DISTINCT FROM (n.product_name, n.price::text, n.status, n.delivery_date, n.is_open)
    RETURNING t.order_id, t.quantity, t.price, n.old_price
), f AS (
    -- A re-priced item changes its order's total by quantity x (new - old) when both prices
    -- are known and have the same scale: the set of scales the order's amounts have is then
    -- unchanged, so the total's exact value and its scale are what a recompute would give.
    -- Otherwise (a price appears, vanishes, changes scale or is not finite: scale() is NULL for
    -- NaN and infinity, and bool_and skips NULLs, hence IS TRUE; no quantity) the order's total
    -- is recomputed from its items (d_amount NULL). A recompute asked by any step wins.
    INSERT INTO acme_aff_orders AS a (order_id, d_amount)
    SELECT order_id,
           CASE WHEN bool_and((quantity IS NOT NULL AND price IS NOT NULL AND old_price IS NOT NULL
                               AND scale(price) = scale(old_price)) IS TRUE)
                THEN sum(quantity * (price - old_price)) END
    FROM u
    WHERE order_id IS NOT NULL AND price::text IS DISTINCT FROM old_price::text
    GROUP BY order_id
    ON CONFLICT (order_id) DO UPDATE SET d_amount = a.d_amount + EXCLUDED.d_amount
)
SELECT count(*) FROM u;

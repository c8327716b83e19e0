-- Open/closed partitioning of the items, tried against the plain table (bench/partition_items).
-- Builds two copies of the loaded target's analytical tables, written the same way (INSERT in
-- key order, the fillfactors of migration 0005), that differ only in the items table:
--   pt_plain.analytical_order_items: one table, as acme keeps it;
--   pt_part.analytical_order_items:  PARTITION BY LIST (is_open), an open and a closed partition.
-- Then times the same operations on both, alternating, each inside a subtransaction that is
-- rolled back (EXPLAIN ANALYZE's execution time and its shared buffers read from outside
-- shared_buffers / found there), and leaves the per-round figures in pt_results.
-- psql variables: :schema (the loaded target schema), :rounds.
\set ON_ERROR_STOP 1
-- psql does not expand its variables inside dollar quotes: the DO blocks read these settings.
SELECT set_config('pt.schema', :'schema', FALSE), set_config('pt.rounds', :'rounds', FALSE);
DROP SCHEMA IF EXISTS pt_plain CASCADE;
DROP SCHEMA IF EXISTS pt_part CASCADE;
CREATE SCHEMA pt_plain;
CREATE SCHEMA pt_part;

-- The tables the reports join, identical in both layouts.
DO $$
DECLARE
    src text := current_setting('pt.schema');
    s text;
    t text;
BEGIN
    FOREACH s IN ARRAY ARRAY['pt_plain', 'pt_part'] LOOP
        FOREACH t IN ARRAY ARRAY['customers', 'products', 'analytical_orders'] LOOP
            EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', s, t, src, t);
            EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I ORDER BY 1', s, t, src, t);
        END LOOP;
        EXECUTE format('ALTER TABLE %I.analytical_orders SET (fillfactor = 90)', s);
    END LOOP;
END
$$;

CREATE TABLE pt_plain.analytical_order_items (LIKE :"schema".analytical_order_items INCLUDING ALL)
    WITH (fillfactor = 80);
INSERT INTO pt_plain.analytical_order_items
SELECT * FROM :"schema".analytical_order_items ORDER BY order_item_id;

-- A partitioned table's unique keys must hold the partition key: (order_item_id, is_open), so
-- the database no longer enforces one row per item, and ON CONFLICT (order_item_id) has no
-- arbiter. Closed items are rarely rewritten: their partition is packed (fillfactor 100).
CREATE TABLE pt_part.analytical_order_items (
    LIKE :"schema".analytical_order_items INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (order_item_id, is_open)
) PARTITION BY LIST (is_open);
CREATE TABLE pt_part.analytical_order_items_open PARTITION OF pt_part.analytical_order_items
    FOR VALUES IN (TRUE) WITH (fillfactor = 80);
CREATE TABLE pt_part.analytical_order_items_closed PARTITION OF pt_part.analytical_order_items
    FOR VALUES IN (FALSE) WITH (fillfactor = 100);
CREATE INDEX ON pt_part.analytical_order_items (order_id);
CREATE INDEX ON pt_part.analytical_order_items (product_id, is_open);
INSERT INTO pt_part.analytical_order_items
SELECT * FROM :"schema".analytical_order_items ORDER BY order_item_id;
VACUUM ANALYZE pt_plain.customers, pt_plain.products, pt_plain.analytical_orders,
    pt_plain.analytical_order_items, pt_part.customers, pt_part.products,
    pt_part.analytical_orders, pt_part.analytical_order_items;

-- The operations' inputs, chosen once from the open backlog (the same rows for both layouts):
-- the 5 most-sold products, a status step of 5% of the open orders, 1% of them closing.
CREATE TEMP TABLE pt_input AS
SELECT (SELECT array_agg(product_id) FROM (
            SELECT product_id FROM :"schema".analytical_order_items
            WHERE product_id IS NOT NULL GROUP BY product_id ORDER BY count(*) DESC, product_id
            LIMIT 5) p) AS top_products,
       (SELECT array_agg(order_id) FROM :"schema".analytical_orders
        WHERE is_open AND order_id % 20 = 3) AS step_orders,
       (SELECT array_agg(order_id) FROM :"schema".analytical_orders
        WHERE is_open AND order_id % 100 = 7) AS closing_orders;

-- EXPLAIN ANALYZE of one statement in a subtransaction rolled back afterwards.
CREATE FUNCTION pg_temp.pt_measure(statement text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    BEGIN
        EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || statement INTO plan;
        RAISE EXCEPTION 'pt_rollback';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN jsonb_build_object(
        'ms', (plan -> 0 ->> 'Execution Time')::numeric,
        'read', (plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint,
        'hit', (plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint);
END
$$;

-- pt_ops (name, statement with __S__ for the layout's schema) is filled by bench/partition_items
-- with the reports; the writes are added here.
INSERT INTO pt_ops (name, statement)
SELECT 'rename: open items of the 5 most-sold products',
       format('UPDATE __S__.analytical_order_items SET product_name = product_name || %L, '
              'synced_at = now() WHERE product_id = ANY(%L) AND is_open', ' (renamed)', top_products)
FROM pt_input
UNION ALL
SELECT format('status step: items of %s open orders (5%%)', cardinality(step_orders)),
       format('UPDATE __S__.analytical_order_items SET order_status = %L, synced_at = now() '
              'WHERE order_id = ANY(%L)', 'IN_TRANSIT', step_orders)
FROM pt_input
UNION ALL
SELECT format('closing: items of %s open orders (1%%)', cardinality(closing_orders)),
       format('UPDATE __S__.analytical_order_items SET order_status = %L, is_open = FALSE, '
              'synced_at = now() WHERE order_id = ANY(%L)', 'COMPLETED', closing_orders)
FROM pt_input;

DROP TABLE IF EXISTS pt_results;
CREATE TABLE pt_results (round int, layout text, name text, ms numeric, read bigint, hit bigint);
DO $$
DECLARE
    r int;
    op record;
    layout text;
    m jsonb;
BEGIN
    -- round 0 warms the caches and is not counted
    FOR r IN 0 .. current_setting('pt.rounds')::int LOOP
        FOR op IN SELECT * FROM pt_ops ORDER BY id LOOP
            FOREACH layout IN ARRAY CASE WHEN r % 2 = 0 THEN ARRAY['pt_plain', 'pt_part']
                                         ELSE ARRAY['pt_part', 'pt_plain'] END LOOP
                m := pg_temp.pt_measure(replace(op.statement, '__S__', layout));
                INSERT INTO pt_results
                VALUES (r, layout, op.name, (m ->> 'ms')::numeric, (m ->> 'read')::bigint,
                        (m ->> 'hit')::bigint);
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;

-- Session-local work tables of one cycle (created once per target session, emptied at the start
-- of every cycle by Loader::prepare). Staging tables mirror the source select lists of include/acme/etl/tables.hpp.
CREATE TEMP TABLE IF NOT EXISTS acme_stg_customers (
    customer_id BIGINT, customer_name TEXT, is_active BOOLEAN, customer_address TEXT,
    updated_at TIMESTAMP(3), updated_by BIGINT, created_at TIMESTAMP(3), created_by BIGINT
);
CREATE TEMP TABLE IF NOT EXISTS acme_stg_products (
    product_id BIGINT, product_name TEXT, barcode TEXT, unity_price NUMERIC, is_active BOOLEAN,
    updated_at TIMESTAMP(3), updated_by BIGINT, created_at TIMESTAMP(3), created_by BIGINT
);
CREATE TEMP TABLE IF NOT EXISTS acme_stg_orders (
    order_id BIGINT, order_date DATE, delivery_date DATE, customer_id BIGINT, status TEXT,
    updated_at TIMESTAMP(3), updated_by BIGINT, created_at TIMESTAMP(3), created_by BIGINT
);
CREATE TEMP TABLE IF NOT EXISTS acme_stg_order_items (
    order_item_id BIGINT, order_id BIGINT, product_id BIGINT, quanity INTEGER,
    updated_at TIMESTAMP(3), updated_by BIGINT, created_at TIMESTAMP(3), created_by BIGINT
);
-- Key reconciliation, range by range: the source's (count, sum, hash sum) per key range
-- (buckets), the ranges whose summary differs from the target's, and the source's keys in them.
CREATE TEMP TABLE IF NOT EXISTS acme_buckets_customers (bucket BIGINT, n BIGINT, s NUMERIC, h BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_buckets_products (bucket BIGINT, n BIGINT, s NUMERIC, h BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_buckets_orders (bucket BIGINT, n BIGINT, s NUMERIC, h BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_buckets_order_items (bucket BIGINT, n BIGINT, s NUMERIC, h BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_recon_customers (bucket BIGINT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS acme_recon_products (bucket BIGINT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS acme_recon_orders (bucket BIGINT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS acme_recon_order_items (bucket BIGINT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS acme_keys_customers (id BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_keys_products (id BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_keys_orders (id BIGINT);
CREATE TEMP TABLE IF NOT EXISTS acme_keys_order_items (id BIGINT);
-- What changed, for fan-out: customers whose name changed (or appeared / vanished), products
-- whose name or price changed, orders whose status, delivery date or openness changed (is_new:
-- the order was not in the target before; its totals are computed, the others' totals change
-- only through their items; was_open: the order was open before this sync, so it settles now
-- with the current values). fill: the customer or product was unknown, or had no name (or
-- price) before: closed orders may hold NULL for it, which is filled in (settled_rule.sql).
CREATE TEMP TABLE IF NOT EXISTS acme_chg_customers (
    customer_id BIGINT PRIMARY KEY, fill BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TEMP TABLE IF NOT EXISTS acme_chg_products (
    product_id BIGINT PRIMARY KEY, name_changed BOOLEAN NOT NULL, price_changed BOOLEAN NOT NULL,
    fill BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TEMP TABLE IF NOT EXISTS acme_chg_orders (
    order_id BIGINT PRIMARY KEY, is_new BOOLEAN NOT NULL DEFAULT FALSE,
    was_open BOOLEAN NOT NULL DEFAULT FALSE
);
-- Orders whose totals to recompute (sql/etl/totals.sql): from their items when d_amount is
-- NULL, else by adding d_amount to total_amount (re-priced items only).
CREATE TEMP TABLE IF NOT EXISTS acme_aff_orders (order_id BIGINT PRIMARY KEY, d_amount NUMERIC);
-- The configured closed statuses (an order is open unless its status is one of them).
CREATE TEMP TABLE IF NOT EXISTS acme_closed (status TEXT PRIMARY KEY);
-- History events (sql/etl/history_*.sql): one row per observed change of an order's status or a
-- customer's attributes, in order (seq). A polling cycle stages one per changed row; the change
-- stream stages every change, deletes included. `at` is NULL when the row's updated_at is NULL:
-- committed_utc (the stream's commit time) or the cycle's time stands in.
CREATE TEMP TABLE IF NOT EXISTS acme_evt_orders (
    seq BIGINT, order_id BIGINT, deleted BOOLEAN, status TEXT, at TIMESTAMP(3), committed_utc TIMESTAMPTZ
);
CREATE TEMP TABLE IF NOT EXISTS acme_evt_customers (
    seq BIGINT, customer_id BIGINT, deleted BOOLEAN, customer_name TEXT, customer_address TEXT,
    is_active BOOLEAN, at TIMESTAMP(3), committed_utc TIMESTAMPTZ
);
-- Rows a reconciliation found gone from the source (delete_orders.sql, delete_customers.sql).
CREATE TEMP TABLE IF NOT EXISTS acme_gone_orders (order_id BIGINT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS acme_gone_customers (customer_id BIGINT PRIMARY KEY);
-- History transitions of this cycle (history_*.sql): events that open or close an interval.
CREATE TEMP TABLE IF NOT EXISTS acme_tr_orders (
    order_id BIGINT, seq BIGINT, deleted BOOLEAN, status TEXT, at TIMESTAMP(3), next_at TIMESTAMP(3), k BIGINT,
    had_open BOOLEAN
);
CREATE TEMP TABLE IF NOT EXISTS acme_tr_customers (
    customer_id BIGINT, seq BIGINT, deleted BOOLEAN, customer_name TEXT, customer_address TEXT,
    is_active BOOLEAN, at TIMESTAMP(3), next_at TIMESTAMP(3), k BIGINT, had_open BOOLEAN
);

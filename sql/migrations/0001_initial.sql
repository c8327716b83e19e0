-- Target model (design.md §3). {schema} is the quoted target schema.
-- Dimension mirrors: the current source customers and products, so that fan-outs and
-- late-arriving references are resolved in the target without reading the source again.
CREATE TABLE {schema}.customers (
    customer_id      BIGINT PRIMARY KEY,
    customer_name    TEXT,
    is_active        BOOLEAN,
    customer_address TEXT,
    updated_at       TIMESTAMP(3),
    updated_by       BIGINT,
    created_at       TIMESTAMP(3),
    created_by       BIGINT
);

CREATE TABLE {schema}.products (
    product_id   BIGINT PRIMARY KEY,
    product_name TEXT,
    barcode      TEXT,
    unity_price  NUMERIC,
    is_active    BOOLEAN,
    updated_at   TIMESTAMP(3),
    updated_by   BIGINT,
    created_at   TIMESTAMP(3),
    created_by   BIGINT
);

-- One row per source order. is_open = status not in the configured closed set (NULL is open).
-- synced_at = when acme last changed the row (commit-to-visible latency is measured with it).
CREATE TABLE {schema}.analytical_orders (
    order_id      BIGINT PRIMARY KEY,
    customer_id   BIGINT,
    customer_name TEXT,
    order_date    DATE,
    delivery_date DATE,
    status        TEXT,
    total_items   BIGINT NOT NULL DEFAULT 0,
    total_amount  NUMERIC NOT NULL DEFAULT 0,
    is_open       BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at    TIMESTAMP(3),
    updated_by    BIGINT,
    created_at    TIMESTAMP(3),
    created_by    BIGINT,
    synced_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per source item, denormalized with its product and its order.
CREATE TABLE {schema}.analytical_order_items (
    order_item_id BIGINT PRIMARY KEY,
    order_id      BIGINT,
    product_id    BIGINT,
    product_name  TEXT,
    quantity      INTEGER,
    price         NUMERIC,
    order_status  TEXT,
    delivery_date DATE,
    is_open       BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at    TIMESTAMP(3),
    updated_by    BIGINT,
    created_at    TIMESTAMP(3),
    created_by    BIGINT,
    synced_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Fan-out paths: an order's items, a product's items (open ones for re-pricing), a customer's orders.
CREATE INDEX analytical_order_items_order_id_idx ON {schema}.analytical_order_items (order_id);
CREATE INDEX analytical_order_items_product_id_idx ON {schema}.analytical_order_items (product_id);
CREATE INDEX analytical_order_items_open_product_id_idx
    ON {schema}.analytical_order_items (product_id) WHERE is_open;
CREATE INDEX analytical_orders_customer_id_idx ON {schema}.analytical_orders (customer_id);

-- Reports read the open backlog only: their cost follows it, not history.
CREATE INDEX analytical_orders_open_delivery_idx
    ON {schema}.analytical_orders (delivery_date, status) WHERE is_open;
CREATE INDEX analytical_orders_pending_customer_idx
    ON {schema}.analytical_orders (customer_id) WHERE status = 'PENDING';
CREATE INDEX analytical_order_items_pending_product_idx
    ON {schema}.analytical_order_items (product_id) WHERE order_status = 'PENDING';

-- Per source table: the compound cursor (updated_at, primary key) up to which every change is
-- loaded, and when the table was last fully read or key-reconciled.
CREATE TABLE {schema}.acme_sync_state (
    table_name         TEXT PRIMARY KEY,
    cursor_ts          TIMESTAMP(3),
    cursor_pk          BIGINT,
    last_full_at       TIMESTAMPTZ,
    last_reconciled_at TIMESTAMPTZ,
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Settings the stored data depends on (the closed-status set decides is_open and pricing).
CREATE TABLE {schema}.acme_settings (
    key   TEXT PRIMARY KEY,
    value JSONB NOT NULL
);

-- One row per committed cycle (written in the cycle's transaction) and per failed cycle.
CREATE TABLE {schema}.acme_runs (
    run_id       BIGSERIAL PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    mode         TEXT NOT NULL,
    status       TEXT NOT NULL,
    horizon_kind TEXT,
    horizon      TIMESTAMP(3),
    rows         JSONB NOT NULL DEFAULT '{}',
    error        TEXT,
    acme_version TEXT NOT NULL,
    pid          INTEGER NOT NULL DEFAULT pg_backend_pid()
);
CREATE INDEX acme_runs_status_idx ON {schema}.acme_runs (status, run_id);

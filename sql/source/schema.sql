-- The ACME orders source contract (design.md §2), exactly as deployed: misspelled columns
-- (quanity, unity_price), nearly everything nullable, no foreign keys, no index on updated_at,
-- REPLICA IDENTITY FULL. Used by acme-datagen and the tests; acme itself never creates objects
-- in a source. {schema} is replaced by the quoted schema name.
CREATE SCHEMA IF NOT EXISTS {schema};

CREATE TABLE {schema}.customers (
    customer_id      BIGSERIAL PRIMARY KEY,
    customer_name    VARCHAR(500) NOT NULL,
    is_active        BOOLEAN NOT NULL DEFAULT TRUE,
    customer_address VARCHAR(500),
    updated_at       TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    updated_by       BIGINT,
    created_at       TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    created_by       BIGINT
);

CREATE TABLE {schema}.products (
    product_id   BIGSERIAL PRIMARY KEY,
    product_name VARCHAR(500) NOT NULL,
    barcode      VARCHAR(26) NOT NULL,
    unity_price  DECIMAL NOT NULL,
    is_active    BOOLEAN,
    updated_at   TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    updated_by   BIGINT,
    created_at   TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    created_by   BIGINT
);

CREATE TABLE {schema}.orders (
    order_id      BIGSERIAL PRIMARY KEY,
    order_date    DATE,
    delivery_date DATE,
    customer_id   BIGINT,
    status        VARCHAR,
    updated_at    TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    updated_by    BIGINT,
    created_at    TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    created_by    BIGINT
);

CREATE TABLE {schema}.order_items (
    order_item_id BIGSERIAL PRIMARY KEY,
    order_id      BIGINT,
    product_id    BIGINT,
    quanity       INTEGER,
    updated_at    TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    updated_by    BIGINT,
    created_at    TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3),
    created_by    BIGINT
);

ALTER TABLE {schema}.customers REPLICA IDENTITY FULL;
ALTER TABLE {schema}.products REPLICA IDENTITY FULL;
ALTER TABLE {schema}.orders REPLICA IDENTITY FULL;
ALTER TABLE {schema}.order_items REPLICA IDENTITY FULL;

-- What the orders system forgets: every status interval of an order, and every version of a
-- customer's name, address and activity (slowly changing dimension, type 2). Written by the sync
-- cycle in the same transaction as the data (sql/etl/history_*.sql). Times are in updated_at's
-- time base (the source writers' local time, TIMESTAMP(3)); valid_to is NULL while current.
-- observed_by: load (initial load / CDC snapshot), poll (a polling cycle saw the change: only the
-- state at each cycle is seen), cdc (the change stream: every committed change).
CREATE TABLE {schema}.analytical_order_status_history (
    history_id  BIGSERIAL PRIMARY KEY,
    order_id    BIGINT NOT NULL,
    status      TEXT,
    valid_from  TIMESTAMP(3) NOT NULL,
    valid_to    TIMESTAMP(3),
    observed_by TEXT NOT NULL CHECK (observed_by IN ('load', 'poll', 'cdc'))
);
CREATE UNIQUE INDEX analytical_order_status_history_open_idx
    ON {schema}.analytical_order_status_history (order_id) WHERE valid_to IS NULL;
CREATE INDEX analytical_order_status_history_closed_idx
    ON {schema}.analytical_order_status_history (valid_to) WHERE valid_to IS NOT NULL;

CREATE TABLE {schema}.analytical_customer_history (
    history_id       BIGSERIAL PRIMARY KEY,
    customer_id      BIGINT NOT NULL,
    customer_name    TEXT,
    customer_address TEXT,
    is_active        BOOLEAN,
    valid_from       TIMESTAMP(3) NOT NULL,
    valid_to         TIMESTAMP(3),
    observed_by      TEXT NOT NULL CHECK (observed_by IN ('load', 'poll', 'cdc'))
);
CREATE UNIQUE INDEX analytical_customer_history_open_idx
    ON {schema}.analytical_customer_history (customer_id) WHERE valid_to IS NULL;
CREATE INDEX analytical_customer_history_closed_idx
    ON {schema}.analytical_customer_history (valid_to) WHERE valid_to IS NOT NULL;

-- The history tables partitioned by month of valid_to (declarative range partitioning): every
-- closed interval lives in the partition of the month it ended, the open intervals (valid_to
-- NULL) in the table's DEFAULT partition, `<table>_open`, which a CHECK keeps to them alone (so
-- creating a month's partition never scans it, and a closed interval without its month's
-- partition is an error, not a row in the wrong place). Retention (ACME_HISTORY_DAYS) drops the
-- months that ended before the cutoff instead of deleting their rows, and deletes only within the
-- month the cutoff falls in. The sync creates a month's partition before it writes the first
-- interval ending in it (acme_history_months, from history_orders.sql / history_customers.sql).
-- Relation names reach the functions as dollar-quoted text ($acme$...$acme$): a schema name may
-- hold a single quote.

-- Creates the missing month partitions of `parent` for the timestamps `ends` (NULLs ignored).
-- Returns the number created. CREATE TABLE ... PARTITION OF locks the parent for the rest of the
-- transaction: once a month per table.
CREATE FUNCTION {schema}.acme_history_months(parent regclass, ends timestamp[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    nsp text;
    rel text;
    m timestamp;
    created integer := 0;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
    FOR m IN SELECT DISTINCT date_trunc('month', e) FROM unnest(ends) e WHERE e IS NOT NULL LOOP
        IF to_regclass(format('%I.%I', nsp, rel || to_char(m, '"_y"YYYY"m"MM'))) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                           nsp, rel || to_char(m, '"_y"YYYY"m"MM'), parent, m, m + interval '1 month');
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

-- Retention: removes the closed intervals of `parent` that ended before `cutoff`. Months that
-- ended before it are dropped whole, at no per-row cost (their rows are not counted: that would
-- read them all); in the month the cutoff falls in the rows are deleted. Returns the rows
-- deleted row by row. Open intervals stay whatever their age.
CREATE FUNCTION {schema}.acme_history_prune(parent regclass, cutoff timestamp) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    p record;
    n bigint;
    removed bigint := 0;
BEGIN
    FOR p IN
        SELECT c.oid::regclass AS part,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamp AS upper_bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent
          AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    LOOP
        IF p.upper_bound <= cutoff THEN
            EXECUTE format('DROP TABLE %s', p.part);
        ELSIF p.upper_bound - interval '1 month' < cutoff THEN
            EXECUTE format('WITH d AS (DELETE FROM %s WHERE valid_to < %L RETURNING 1) SELECT count(*) FROM d',
                           p.part, cutoff) INTO n;
            removed := removed + n;
        END IF;
    END LOOP;
    RETURN removed;
END
$$;

-- Order status history.
ALTER TABLE {schema}.analytical_order_status_history RENAME TO acme_old_status_history;
ALTER INDEX {schema}.analytical_order_status_history_open_idx RENAME TO acme_old_status_history_open_idx;
ALTER INDEX {schema}.analytical_order_status_history_closed_idx RENAME TO acme_old_status_history_closed_idx;
ALTER TABLE {schema}.acme_old_status_history RENAME CONSTRAINT analytical_order_status_history_pkey TO acme_old_status_history_pkey;
CREATE TABLE {schema}.analytical_order_status_history (
    history_id  BIGINT NOT NULL DEFAULT nextval($acme${schema}.analytical_order_status_history_history_id_seq$acme$),
    order_id    BIGINT NOT NULL,
    status      TEXT,
    valid_from  TIMESTAMP(3) NOT NULL,
    valid_to    TIMESTAMP(3),
    observed_by TEXT NOT NULL CHECK (observed_by IN ('load', 'poll', 'cdc'))
) PARTITION BY RANGE (valid_to);
ALTER SEQUENCE {schema}.analytical_order_status_history_history_id_seq
    OWNED BY {schema}.analytical_order_status_history.history_id;
CREATE TABLE {schema}.analytical_order_status_history_open
    PARTITION OF {schema}.analytical_order_status_history DEFAULT;
ALTER TABLE {schema}.analytical_order_status_history_open
    ADD CONSTRAINT analytical_order_status_history_open_only CHECK (valid_to IS NULL);
-- One open interval per order; a history_id identifies an interval (unique per partition: a
-- sequence gives it, and a row keeps it when it moves to its month's partition).
CREATE UNIQUE INDEX analytical_order_status_history_open_idx
    ON {schema}.analytical_order_status_history_open (order_id);
CREATE INDEX analytical_order_status_history_closed_idx
    ON {schema}.analytical_order_status_history (valid_to) WHERE valid_to IS NOT NULL;
SELECT {schema}.acme_history_months($acme${schema}.analytical_order_status_history$acme$,
                                    ARRAY(SELECT DISTINCT date_trunc('month', valid_to)::timestamp
                                          FROM {schema}.acme_old_status_history));
INSERT INTO {schema}.analytical_order_status_history
SELECT * FROM {schema}.acme_old_status_history;
DROP TABLE {schema}.acme_old_status_history;

-- Customer history.
ALTER TABLE {schema}.analytical_customer_history RENAME TO acme_old_customer_history;
ALTER INDEX {schema}.analytical_customer_history_open_idx RENAME TO acme_old_customer_history_open_idx;
ALTER INDEX {schema}.analytical_customer_history_closed_idx RENAME TO acme_old_customer_history_closed_idx;
ALTER TABLE {schema}.acme_old_customer_history RENAME CONSTRAINT analytical_customer_history_pkey TO acme_old_customer_history_pkey;
CREATE TABLE {schema}.analytical_customer_history (
    history_id       BIGINT NOT NULL DEFAULT nextval($acme${schema}.analytical_customer_history_history_id_seq$acme$),
    customer_id      BIGINT NOT NULL,
    customer_name    TEXT,
    customer_address TEXT,
    is_active        BOOLEAN,
    valid_from       TIMESTAMP(3) NOT NULL,
    valid_to         TIMESTAMP(3),
    observed_by      TEXT NOT NULL CHECK (observed_by IN ('load', 'poll', 'cdc'))
) PARTITION BY RANGE (valid_to);
ALTER SEQUENCE {schema}.analytical_customer_history_history_id_seq
    OWNED BY {schema}.analytical_customer_history.history_id;
CREATE TABLE {schema}.analytical_customer_history_open
    PARTITION OF {schema}.analytical_customer_history DEFAULT;
ALTER TABLE {schema}.analytical_customer_history_open
    ADD CONSTRAINT analytical_customer_history_open_only CHECK (valid_to IS NULL);
CREATE UNIQUE INDEX analytical_customer_history_open_idx
    ON {schema}.analytical_customer_history_open (customer_id);
CREATE INDEX analytical_customer_history_closed_idx
    ON {schema}.analytical_customer_history (valid_to) WHERE valid_to IS NOT NULL;
SELECT {schema}.acme_history_months($acme${schema}.analytical_customer_history$acme$,
                                    ARRAY(SELECT DISTINCT date_trunc('month', valid_to)::timestamp
                                          FROM {schema}.acme_old_customer_history));
INSERT INTO {schema}.analytical_customer_history
SELECT * FROM {schema}.acme_old_customer_history;
DROP TABLE {schema}.acme_old_customer_history;

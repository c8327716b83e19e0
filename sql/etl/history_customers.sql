-- Customer history (SCD type 2 of customer_name, customer_address, is_active) from this cycle's
-- events (acme_evt_customers): the same three steps as history_orders.sql, where a new version
-- starts when any of the three attributes differs from the version open before the event. With
-- nothing open yet and one event per customer (a first load), history_opened.sql
-- writes the same rows directly.
-- Planner statistics of the work tables first: unanalyzed, they look like hundreds of rows and
-- the open intervals were hashed whole (~6 ms per CDC flush for a few customer events).
ANALYZE acme_evt_customers;

INSERT INTO acme_tr_customers (customer_id, seq, deleted, customer_name, customer_address, is_active, at, next_at, k, had_open)
WITH ev AS (
    SELECT e.customer_id, e.seq, e.deleted, e.customer_name, e.customer_address, e.is_active,
           COALESCE(e.at, (e.committed_utc AT TIME ZONE {tz})::timestamp(3), {seen_at}::timestamp(3)) AS at
    FROM acme_evt_customers e
), cur AS (
    SELECT h.customer_id, h.customer_name, h.customer_address, h.is_active
    FROM {schema}.analytical_customer_history h
    WHERE h.valid_to IS NULL AND h.customer_id IN (SELECT customer_id FROM ev)
), st AS (
    SELECT ev.*, row_number() OVER w AS rn, lag(ev.deleted) OVER w AS prev_deleted,
           lag(ev.customer_name) OVER w AS prev_name, lag(ev.customer_address) OVER w AS prev_address,
           lag(ev.is_active) OVER w AS prev_active
    FROM ev WINDOW w AS (PARTITION BY ev.customer_id ORDER BY ev.seq)
), tr AS (
    SELECT st.customer_id, st.seq, st.deleted, st.customer_name, st.customer_address, st.is_active, st.at,
           c.customer_id IS NOT NULL AS had_open
    FROM st LEFT JOIN cur c ON c.customer_id = st.customer_id
    WHERE CASE WHEN st.rn = 1
               THEN CASE WHEN st.deleted THEN c.customer_id IS NOT NULL
                         ELSE c.customer_id IS NULL
                           OR (c.customer_name, c.customer_address, c.is_active)
                              IS DISTINCT FROM (st.customer_name, st.customer_address, st.is_active) END
               ELSE CASE WHEN st.deleted THEN NOT st.prev_deleted
                         ELSE st.prev_deleted
                           OR (st.prev_name, st.prev_address, st.prev_active)
                              IS DISTINCT FROM (st.customer_name, st.customer_address, st.is_active) END
          END
)
SELECT customer_id, seq, deleted, customer_name, customer_address, is_active, at,
       lead(at) OVER (PARTITION BY customer_id ORDER BY seq),
       row_number() OVER (PARTITION BY customer_id ORDER BY seq), had_open
FROM tr;

ANALYZE acme_tr_customers;

-- The month partitions the intervals closed below end in (migration 0009).
SELECT {schema}.acme_history_months(
    $acme${schema}.analytical_customer_history$acme$,
    ARRAY(SELECT GREATEST(t.at, h.valid_from)
          FROM acme_tr_customers t
          JOIN {schema}.analytical_customer_history h ON h.customer_id = t.customer_id AND h.valid_to IS NULL
          WHERE t.k = 1
          UNION
          SELECT GREATEST(next_at, at) FROM acme_tr_customers WHERE next_at IS NOT NULL AND NOT deleted));

UPDATE {schema}.analytical_customer_history h
SET valid_to = GREATEST(t.at, h.valid_from)
FROM acme_tr_customers t
WHERE t.k = 1 AND h.customer_id = t.customer_id AND h.valid_to IS NULL;

WITH o AS (
    INSERT INTO {schema}.analytical_customer_history
        (customer_id, customer_name, customer_address, is_active, valid_from, valid_to, observed_by)
    SELECT customer_id, customer_name, customer_address, is_active, at, CASE WHEN next_at IS NOT NULL THEN GREATEST(next_at, at) END, {observed_by}
    FROM acme_tr_customers WHERE NOT deleted
    RETURNING 1
)
-- Rows written: the open intervals closed (a first transition where one was open) and those
-- inserted.
SELECT (SELECT count(*) FROM acme_tr_customers WHERE k = 1 AND had_open) + (SELECT count(*) FROM o);

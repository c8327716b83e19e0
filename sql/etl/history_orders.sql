-- Order status history from this cycle's events (acme_evt_orders), in three steps:
-- 1. the transitions: an event opens an interval when its status differs from the one open
--    before it (the open interval in the history for an order's first event, else the previous
--    event), and closes it when it is a delete of an order that existed; each transition's
--    interval lasts until the order's next transition;
-- 2. each order's open interval is closed at its first transition (never before it started:
--    a clock that went back gives an empty interval, not a negative one);
-- 3. the new intervals are inserted (the last one of an order stays open).
-- Cost: proportional to the events, through the open-interval index. With nothing open yet and
-- one event per order (a first load), history_opened.sql writes the same rows directly.
-- {tz}: the writers' time zone, {seen_at}: when acme observed the cycle (source clock, for rows
-- without updated_at and for deletes a poll cannot date), {observed_by}: load | poll | cdc.
-- Planner statistics of the work tables first: unanalyzed, they look like hundreds of rows and
-- the open intervals were hashed whole (seen for customers: ~6 ms per CDC flush for a few events).
ANALYZE acme_evt_orders;

INSERT INTO acme_tr_orders (order_id, seq, deleted, status, at, next_at, k, had_open)
WITH ev AS (
    SELECT e.order_id, e.seq, e.deleted, e.status,
           COALESCE(e.at, (e.committed_utc AT TIME ZONE {tz})::timestamp(3), {seen_at}::timestamp(3)) AS at
    FROM acme_evt_orders e
), cur AS (
    SELECT h.order_id, h.status
    FROM {schema}.analytical_order_status_history h
    WHERE h.valid_to IS NULL AND h.order_id IN (SELECT order_id FROM ev)
), st AS (
    SELECT ev.*, row_number() OVER w AS rn, lag(ev.deleted) OVER w AS prev_deleted,
           lag(ev.status) OVER w AS prev_status
    FROM ev WINDOW w AS (PARTITION BY ev.order_id ORDER BY ev.seq)
), tr AS (
    SELECT st.order_id, st.seq, st.deleted, st.status, st.at,
           c.order_id IS NOT NULL AS had_open
    FROM st LEFT JOIN cur c ON c.order_id = st.order_id
    WHERE CASE WHEN st.rn = 1
               THEN CASE WHEN st.deleted THEN c.order_id IS NOT NULL
                         ELSE c.order_id IS NULL OR c.status IS DISTINCT FROM st.status END
               ELSE CASE WHEN st.deleted THEN NOT st.prev_deleted
                         ELSE st.prev_deleted OR st.prev_status IS DISTINCT FROM st.status END
          END
)
SELECT order_id, seq, deleted, status, at,
       lead(at) OVER (PARTITION BY order_id ORDER BY seq),
       row_number() OVER (PARTITION BY order_id ORDER BY seq), had_open
FROM tr;

ANALYZE acme_tr_orders;

-- The month partitions the intervals closed below end in (migration 0009).
SELECT {schema}.acme_history_months(
    $acme${schema}.analytical_order_status_history$acme$,
    ARRAY(SELECT GREATEST(t.at, h.valid_from)
          FROM acme_tr_orders t
          JOIN {schema}.analytical_order_status_history h ON h.order_id = t.order_id AND h.valid_to IS NULL
          WHERE t.k = 1
          UNION
          SELECT GREATEST(next_at, at) FROM acme_tr_orders WHERE next_at IS NOT NULL AND NOT deleted));

UPDATE {schema}.analytical_order_status_history h
SET valid_to = GREATEST(t.at, h.valid_from)
FROM acme_tr_orders t
WHERE t.k = 1 AND h.order_id = t.order_id AND h.valid_to IS NULL;

WITH o AS (
    INSERT INTO {schema}.analytical_order_status_history (order_id, status, valid_from, valid_to, observed_by)
    SELECT order_id, status, at, CASE WHEN next_at IS NOT NULL THEN GREATEST(next_at, at) END, {observed_by}
    FROM acme_tr_orders WHERE NOT deleted
    RETURNING 1
)
-- Rows written: the open intervals closed (a first transition where one was open) and those
-- inserted.
SELECT (SELECT count(*) FROM acme_tr_orders WHERE k = 1 AND had_open) + (SELECT count(*) FROM o);

-- history_orders.sql when the history has no open interval (a first load or CDC snapshot into an
-- empty history) and the cycle observed one state per order (a load or a poll: staged rows and
-- rows found gone are disjoint): every observed order opens one interval at its time, and a
-- delete of an order the history never saw opens nothing. The same rows, written directly
-- instead of through the transitions (at M: 200,000 orders in ~0.25 s instead of 0.9 s).
WITH o AS (
    INSERT INTO {schema}.analytical_order_status_history (order_id, status, valid_from, valid_to, observed_by)
    SELECT e.order_id, e.status,
           COALESCE(e.at, (e.committed_utc AT TIME ZONE {tz})::timestamp(3), {seen_at}::timestamp(3)),
           NULL, {observed_by}
    FROM acme_evt_orders e
    WHERE NOT e.deleted
    RETURNING 1
)
SELECT count(*) FROM o;

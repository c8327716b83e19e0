-- history_orders.sql / history_customers.sql when the history has no open interval (a first
-- load or CDC snapshot into an empty history) and the cycle observed one state per key (a load
-- or a poll: staged rows and rows found gone are disjoint): every observed row opens one
-- interval at its time, and a delete of a row the history never saw opens nothing. The same
-- rows, written directly instead of through the transitions, in less than half the time.
-- {history}: the history table, {events}: its event table, {columns}: the key and the tracked
-- attributes (the same names in both).
WITH o AS (
    INSERT INTO {schema}.{history} ({columns}, valid_from, valid_to, observed_by)
    SELECT {columns},
           COALESCE(at, (committed_utc AT TIME ZONE {tz})::timestamp(3), {seen_at}::timestamp(3)),
           NULL, {observed_by}
    FROM {events}
    WHERE NOT deleted
    RETURNING 1
)
SELECT count(*) FROM o;

-- history_customers.sql when the customer history has no open version (a first load or CDC
-- snapshot into an empty history) and the cycle observed one state per customer (a load or a
-- poll): every observed customer opens one version at its time; a delete of a customer the
-- history never saw opens nothing. Written directly instead of through the transitions.
WITH o AS (
    INSERT INTO {schema}.analytical_customer_history
        (customer_id, customer_name, customer_address, is_active, valid_from, valid_to, observed_by)
    SELECT e.customer_id, e.customer_name, e.customer_address, e.is_active,
           COALESCE(e.at, (e.committed_utc AT TIME ZONE {tz})::timestamp(3), {seen_at}::timestamp(3)),
           NULL, {observed_by}
    FROM acme_evt_customers e
    WHERE NOT e.deleted
    RETURNING 1
)
SELECT count(*) FROM o;

-- Retention (ACME_HISTORY_DAYS): closed intervals that ended more than {days} days before
-- {seen_at} go; open ones stay whatever their age. Uses the closed-interval indexes.
WITH a AS (
    DELETE FROM {schema}.analytical_order_status_history
    WHERE valid_to IS NOT NULL AND valid_to < {seen_at}::timestamp(3) - {days} * interval '1 day'
    RETURNING 1
), b AS (
    DELETE FROM {schema}.analytical_customer_history
    WHERE valid_to IS NOT NULL AND valid_to < {seen_at}::timestamp(3) - {days} * interval '1 day'
    RETURNING 1
)
SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b);

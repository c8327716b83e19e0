-- Retention (ACME_HISTORY_DAYS): closed intervals that ended more than {days} days before
-- {seen_at} go; open ones stay whatever their age. Whole months are dropped, the month the cutoff
-- falls in is deleted from (acme_history_prune, migration 0009). Counts the rows deleted (a
-- dropped month costs no per-row work and is not counted).
SELECT {schema}.acme_history_prune($acme${schema}.analytical_order_status_history$acme$,
                                   {seen_at}::timestamp(3) - {days} * interval '1 day')
     + {schema}.acme_history_prune($acme${schema}.analytical_customer_history$acme$,
                                   {seen_at}::timestamp(3) - {days} * interval '1 day');

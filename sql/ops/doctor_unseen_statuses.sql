-- acme doctor: the closed statuses of $1 (text[]) that no order has (misspelled?), when the
-- target has orders at all; sorted.
SELECT s
FROM unnest($1::text[]) s
WHERE EXISTS (SELECT 1 FROM {schema}.analytical_orders)
  AND NOT EXISTS (SELECT 1 FROM {schema}.analytical_orders o WHERE o.status = s)
ORDER BY 1

-- GET /api/v1/customers/{id}/orders: one page of a customer's orders ($1 = customer_id) in
-- order_id order after $2 (keyset pagination: the last order_id of the previous page), with
-- status $3 when not NULL, at most $4 rows. One more row than the page is asked for by the
-- caller to know whether another page follows. Reads the (customer_id, is_open) index.
SELECT order_id, order_date, delivery_date, status, total_items, total_amount, is_open
FROM {schema}.analytical_orders
WHERE customer_id = $1
  AND order_id > $2
  AND ($3::text IS NULL OR status = $3::text)
ORDER BY order_id
LIMIT $4

-- A full load's orders: each source order with its customer's name and its openness ({open}:
-- etl::is_open_sql() of o.status and the closed set), cast to the target's column types.
-- {orders}, {customers}: the source tables.
SELECT o.order_id::bigint, o.customer_id::bigint, c.customer_name::text,
       o.order_date::date, o.delivery_date::date, o.status::text, {open},
       o.updated_at::timestamp(3), o.updated_by::bigint, o.created_at::timestamp(3),
       o.created_by::bigint
FROM {orders} o
LEFT JOIN {customers} c ON c.customer_id = o.customer_id

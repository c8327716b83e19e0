-- A full load's items: each source item with its product's name and price and its order's
-- status, delivery date and openness ({open}: etl::is_open_sql() of o.status and the closed set),
-- cast to the target's column types (the binary COPY needs them exactly; the casts cost nothing
-- when the source follows the contract). Field order: etl/order_totals.hpp's k_* indexes.
-- {items}, {products}, {orders}: the source tables; {where}: empty, or " WHERE " and a block
-- range of the items (one job's part).
SELECT i.order_item_id::bigint, i.order_id::bigint, i.product_id::bigint,
       p.product_name::text, i.quanity::integer, p.unity_price::numeric,
       o.status::text, o.delivery_date::date, {open},
       i.updated_at::timestamp(3), i.updated_by::bigint,
       i.created_at::timestamp(3), i.created_by::bigint
FROM {items} i
LEFT JOIN {products} p ON p.product_id = i.product_id
LEFT JOIN {orders} o ON o.order_id = i.order_id{where}

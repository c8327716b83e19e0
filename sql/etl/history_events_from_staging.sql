-- A polling cycle (or a load) observes one state per changed row: the staged rows, plus the rows
-- a reconciliation found gone. CDC stages its events itself (every change, in commit order).
INSERT INTO acme_evt_orders (seq, order_id, deleted, status, at)
SELECT 0, order_id, false, status, updated_at FROM acme_stg_orders
UNION ALL
SELECT 1, order_id, true, NULL, NULL FROM acme_gone_orders;
INSERT INTO acme_evt_customers (seq, customer_id, deleted, customer_name, customer_address, is_active, at)
SELECT 0, customer_id, false, customer_name, customer_address, is_active, updated_at FROM acme_stg_customers
UNION ALL
SELECT 1, customer_id, true, NULL, NULL, NULL, NULL FROM acme_gone_customers;

-- One latency marker for bench/run and bench/cdc: a COMPLETED order without items or customer,
-- so the live workload never updates it (which would move its xmin to a later cycle). Prints
-- "order_id,commit time" (psql -At -F,), the commit time read right after COMMIT returns, then
-- waits 0-0.4 s: ~5 markers a second, at random gaps. The benches feed one psql session a
-- `\i` of this file per marker, written by shell builtins: a process forked per marker (a `cat`
-- each: 150 took 0.7 s of CPU) all ran as the live load started, and on two cores acme's first
-- flushes waited for that CPU.
BEGIN;
INSERT INTO operations.orders (order_date, delivery_date, customer_id, status, updated_at, updated_by, created_at, created_by)
VALUES (CURRENT_DATE, CURRENT_DATE, NULL, 'COMPLETED', CURRENT_TIMESTAMP(3), -1, CURRENT_TIMESTAMP(3), -1)
RETURNING order_id \gset
COMMIT;
SELECT :order_id, clock_timestamp();
SELECT pg_sleep(random() * 0.4) \g /dev/null

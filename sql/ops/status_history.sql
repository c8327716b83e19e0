-- acme status: the history tables' sizes: status intervals (and how many are open), customer
-- versions, and the bytes of both tables with all their partitions. $1, $2: the status and
-- customer history tables' qualified names.
SELECT (SELECT count(*) FROM {schema}.analytical_order_status_history) AS statuses,
       (SELECT count(*) FROM {schema}.analytical_order_status_history
        WHERE valid_to IS NULL) AS open_statuses,
       (SELECT count(*) FROM {schema}.analytical_customer_history) AS customers,
       (SELECT COALESCE(sum(pg_total_relation_size(relid)), 0)
        FROM pg_partition_tree($1::regclass))
         + (SELECT COALESCE(sum(pg_total_relation_size(relid)), 0)
            FROM pg_partition_tree($2::regclass)) AS bytes

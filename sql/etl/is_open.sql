-- Whether an order is open (design.md §3): its status {status} is not one of the closed statuses
-- {closed} (a text[] expression). A NULL or unknown status is open. acme's one definition of it:
-- the full load reads it on the source, the merges and the reopening on the target
-- (etl::is_open_sql()).
({status} IS NULL OR {status} <> ALL ({closed}))

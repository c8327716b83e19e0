-- How many heap blocks {relation} (a quoted literal naming a source table) has, for a full load
-- split into block ranges; NULL unless it is a plain table or a materialized view (only those
-- have heap blocks a TID range can address).
SELECT CASE WHEN relkind IN ('r', 'm')
            THEN pg_relation_size(oid) / current_setting('block_size')::bigint END
FROM pg_class
WHERE oid = {relation}::regclass

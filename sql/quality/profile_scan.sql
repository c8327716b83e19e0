-- Profile of a large table in one scan with plain aggregates: the row count, then per column its
-- non-NULL count, min and max as text ({columns}: generated from the catalog by
-- src/quality/profile.cpp). Distinct counts and top values come from pg_stats
-- (profile_stats.sql) instead of grouping millions of values.
SELECT count(*) AS row_count, {columns}
FROM {relation}

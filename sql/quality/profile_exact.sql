-- Exact profile of one table in one scan: GROUPING SETS group the rows by each column in turn
-- (one grouping set per column), so each set's groups are that column's distinct values (NULL
-- among them) with their row counts. Per column: rows, NULLs, distinct non-NULL values, min/max
-- (typed: in a column's own set the other columns are NULL) and the {limit} most frequent values.
-- Output: one row per column that has rows (col = its position in {set_id}); none for an empty
-- table. Generated from the catalog (src/quality/profile.cpp): {relation} the quoted table,
-- {columns} the quoted columns, {sets} one "(column)" per column, {set_id} a CASE on GROUPING()
-- naming the set, {value} the set's value as text, {min_max} the per-column min/max CASEs.
WITH g AS (
    SELECT {set_id} AS col, {value} AS v, count(*) AS n, {columns}
    FROM {relation}
    GROUP BY GROUPING SETS ({sets})
), s AS (
    SELECT col, sum(n)::bigint AS row_count, COALESCE(sum(n) FILTER (WHERE v IS NULL), 0)::bigint AS nulls,
           count(v) AS distinct_values, {min_max}
    FROM g
    GROUP BY col
), r AS (
    SELECT col, v, n, row_number() OVER (PARTITION BY col ORDER BY n DESC, v) AS rn
    FROM g
    WHERE v IS NOT NULL
), t AS (
    SELECT col, json_agg(json_build_object('value', v, 'count', n) ORDER BY rn)::text AS top
    FROM r
    WHERE rn <= {limit}
    GROUP BY col
)
SELECT s.col, s.row_count, s.nulls, s.distinct_values, s.min_value, s.max_value, t.top
FROM s
LEFT JOIN t ON t.col = s.col
ORDER BY s.col

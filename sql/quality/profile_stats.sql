-- Planner statistics of one table ($1 schema, $2 table) for estimated profiles: per column
-- n_distinct (negative: minus the share of rows) and its $3 most common values with their
-- frequencies (share of rows), most frequent first. Columns ANALYZE never saw have no row.
SELECT s.attname, s.n_distinct, v.value, v.freq
FROM pg_stats s
LEFT JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs)
    WITH ORDINALITY AS v(value, freq, i) ON v.i <= $3
WHERE s.schemaname = $1 AND s.tablename = $2 AND NOT s.inherited
ORDER BY s.attname, v.i

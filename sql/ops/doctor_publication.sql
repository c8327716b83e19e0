-- acme doctor: publication $1 and the contract tables of schema $2 ($3: their names). One row
-- per contract table; publication-wide columns repeat (NULL: no such publication). Row filters
-- and column lists (PostgreSQL 15+) are read through to_jsonb so older servers answer too.
WITH pub AS (
    SELECT puballtables, pubinsert AND pubupdate AND pubdelete AND pubtruncate AS all_actions
    FROM pg_publication WHERE pubname = $1
)
SELECT t.name AS table_name,
       pt.tablename IS NOT NULL AS published,
       to_jsonb(pt) ->> 'rowfilter' AS row_filter,
       (to_jsonb(pt) -> 'attnames')::text AS column_list,
       (SELECT count(*) FROM pub) > 0 AS publication_exists,
       (SELECT puballtables FROM pub) AS all_tables,
       (SELECT all_actions FROM pub) AS all_actions
FROM unnest($3::text[]) WITH ORDINALITY AS t(name, n)
LEFT JOIN pg_publication_tables pt
       ON pt.pubname = $1 AND pt.schemaname = $2 AND pt.tablename = t.name
ORDER BY t.n;

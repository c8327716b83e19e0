-- acme cdc setup: how a publication ($2) serves the contract tables of schema $1 ($3: a JSON
-- array of {"table": name, "columns": [the contract columns acme reads]}, in contract order). One row per contract table: whether
-- it exists, whether UPDATE/DELETE on it keep working once it is published (a replica identity:
-- a primary key, an identity index, or FULL), whether the publication publishes it, its row
-- filter, and the contract columns a column list leaves out. Publication-wide flags repeat on
-- every row (NULL when the publication does not exist).
WITH contract AS (
    SELECT c.value ->> 'table' AS table_name,
           ARRAY(SELECT jsonb_array_elements_text(c.value -> 'columns')) AS columns,
           c.ordinality
    FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c
), pub AS (
    SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate
    FROM pg_publication
    WHERE pubname = $2
)
SELECT c.table_name,
       t.oid IS NOT NULL AS table_exists,
       COALESCE(t.relreplident IN ('f', 'i')
                OR (t.relreplident = 'd'
                    AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary)),
                false) AS has_replica_identity,
       pt.tablename IS NOT NULL AS published,
       pt.rowfilter,
       ARRAY(SELECT unnest(c.columns) EXCEPT SELECT unnest(pt.attnames) ORDER BY 1)
           AS unpublished_columns,
       (SELECT count(*) FROM pub) > 0 AS publication_exists,
       (SELECT puballtables FROM pub) AS all_tables,
       (SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate FROM pub) AS publishes_all_actions
FROM contract c
LEFT JOIN pg_class t
       ON t.relname = c.table_name
      AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
      AND t.relkind IN ('r', 'p')
LEFT JOIN pg_publication_tables pt
       ON pt.pubname = $2 AND pt.schemaname = $1 AND pt.tablename = c.table_name
ORDER BY c.ordinality;

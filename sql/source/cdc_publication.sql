-- acme cdc setup: how a publication ($2) serves the contract tables of schema $1 ($3: a JSON
-- array of {"table": name, "columns": [the contract columns acme reads]}, in contract order). One row per contract table: whether
-- it exists, its replica identity and whether acme can stream it, whether the publication
-- publishes it, its row filter, and the contract columns a column list leaves out.
-- Publication-wide flags repeat on every row (NULL when the publication does not exist).
-- Supported identities: FULL, or DEFAULT / USING INDEX where the key is the primary key. Under
-- another identity index, an UPDATE that changes the primary key and every DELETE carry no
-- primary key, so the target could not find the old row; NOTHING makes the source's own UPDATE
-- and DELETE fail once the table is published.
WITH contract AS (
    SELECT c.value ->> 'table' AS table_name,
           ARRAY(SELECT jsonb_array_elements_text(c.value -> 'columns')) AS columns,
           c.ordinality
    FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c
), pub AS (
    SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot
    FROM pg_publication
    WHERE pubname = $2
)
SELECT c.table_name,
       t.oid IS NOT NULL AS table_exists,
       CASE t.relreplident WHEN 'f' THEN 'FULL' WHEN 'd' THEN 'DEFAULT' WHEN 'n' THEN 'NOTHING'
                           WHEN 'i' THEN 'USING INDEX' END AS replica_identity,
       COALESCE(t.relreplident = 'f'
                OR (t.relreplident = 'd'
                    AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary))
                OR (t.relreplident = 'i'
                    AND EXISTS (SELECT 1 FROM pg_index i
                                WHERE i.indrelid = t.oid AND i.indisreplident AND i.indisprimary)),
                false) AS has_replica_identity,
       COALESCE(t.relkind = 'p', false) AS partitioned,
       pt.tablename IS NOT NULL AS published,
       pt.rowfilter,
       ARRAY(SELECT unnest(c.columns) EXCEPT SELECT unnest(pt.attnames) ORDER BY 1)
           AS unpublished_columns,
       (SELECT count(*) FROM pub) > 0 AS publication_exists,
       (SELECT puballtables FROM pub) AS all_tables,
       (SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate FROM pub) AS publishes_all_actions,
       (SELECT concat_ws(', ', CASE WHEN NOT pubinsert THEN 'insert' END,
                         CASE WHEN NOT pubupdate THEN 'update' END,
                         CASE WHEN NOT pubdelete THEN 'delete' END,
                         CASE WHEN NOT pubtruncate THEN 'truncate' END) FROM pub) AS unpublished_actions,
       (SELECT pubviaroot FROM pub) AS via_root
FROM contract c
LEFT JOIN pg_class t
       ON t.relname = c.table_name
      AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
      AND t.relkind IN ('r', 'p')
LEFT JOIN pg_publication_tables pt
       ON pt.pubname = $2 AND pt.schemaname = $1 AND pt.tablename = c.table_name
ORDER BY c.ordinality;

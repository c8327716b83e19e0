-- What would stop a full load from swapping shadow tables in for analytical_orders and
-- analytical_order_items, or would be lost by the swap: objects depending on them (foreign keys
-- of other tables, routines with SQL bodies, materialized views), foreign keys of their own, user
-- triggers, row-level security, column privileges, explicit publication membership. A plain view
-- over them is dropped and made again by the swap (swap_dependent_views.sql) unless it cannot be:
-- when other objects depend on it, or it has triggers or column privileges. One line per object;
-- none: the load swaps. $1, $2: the two live tables (quoted, schema-qualified).
WITH t AS (SELECT ARRAY[$1::regclass, $2::regclass]::oid[] AS ids),
dep AS (
    SELECT d.classid, d.objid, v.oid AS view
    FROM t, pg_depend d
    LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
    LEFT JOIN pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'
    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY (t.ids) AND d.deptype = 'n'
)
SELECT DISTINCT pg_describe_object(classid, objid, 0) FROM dep WHERE view IS NULL
UNION
SELECT format('view %s, which %s', dep.view::regclass, x.why)
FROM dep
CROSS JOIN LATERAL (
    SELECT 'other objects depend on' AS why
    WHERE EXISTS (SELECT 1 FROM pg_depend d2
                  WHERE d2.refclassid = 'pg_class'::regclass AND d2.refobjid = dep.view
                    AND d2.deptype = 'n'
                    AND NOT (d2.classid = 'pg_rewrite'::regclass -- the view's own rule
                             AND d2.objid IN (SELECT oid FROM pg_rewrite WHERE ev_class = dep.view)))
    UNION ALL
    SELECT 'has triggers' WHERE EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = dep.view)
    UNION ALL
    SELECT 'has column privileges'
    WHERE EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = dep.view AND a.attacl IS NOT NULL)
) x
WHERE dep.view IS NOT NULL
UNION
SELECT format('foreign key %s on %s', conname, conrelid::regclass)
FROM t, pg_constraint WHERE contype = 'f' AND conrelid = ANY (t.ids)
UNION
SELECT format('trigger %s on %s', tgname, tgrelid::regclass)
FROM t, pg_trigger WHERE tgrelid = ANY (t.ids) AND NOT tgisinternal
UNION
SELECT format('row-level security on %s', oid::regclass)
FROM t, pg_class WHERE oid = ANY (t.ids) AND (relrowsecurity OR relforcerowsecurity)
UNION
SELECT format('column privileges on %s.%s', attrelid::regclass, attname)
FROM t, pg_attribute WHERE attrelid = ANY (t.ids) AND attacl IS NOT NULL
UNION
SELECT format('publication %s', p.pubname)
FROM t, pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
WHERE r.prrelid = ANY (t.ids);

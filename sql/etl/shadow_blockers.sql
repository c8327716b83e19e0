-- What would stop a full load from swapping shadow tables in for analytical_orders and
-- analytical_order_items, or would be lost by the swap: objects depending on them (views, foreign
-- keys of other tables, routines with SQL bodies), foreign keys of their own, user triggers,
-- row-level security, column privileges, explicit publication membership. One line per object;
-- none: the load swaps. $1, $2: the two live tables (quoted, schema-qualified).
WITH t AS (SELECT ARRAY[$1::regclass, $2::regclass]::oid[] AS ids)
SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0)
FROM t, pg_depend d
WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY (t.ids) AND d.deptype = 'n'
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

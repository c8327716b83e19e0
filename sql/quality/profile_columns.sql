-- The columns of one table ($1: its quoted name) for profiling, in catalog order: name, type,
-- and how its min/max are taken: 'bool' (bool_and / bool_or), 'ordered' (a min() aggregate
-- accepts the type, directly, through a binary-coercible cast, or as an enum or array), 'none'
-- (json, point, ...: no min/max). Also the planner's row estimate of the table (-1: never
-- analyzed or vacuumed) and whether the type is a number or a date.
SELECT a.attname,
       format_type(a.atttypid, a.atttypmod) AS type,
       CASE
           WHEN a.atttypid = 'boolean'::regtype THEN 'bool'
           WHEN EXISTS (
               SELECT 1
               FROM pg_proc p
               WHERE p.proname = 'min' AND p.prokind = 'a' AND p.pronargs = 1
                 AND (p.proargtypes[0] = a.atttypid
                      OR (p.proargtypes[0] = 'anyenum'::regtype AND t.typtype = 'e')
                      OR (p.proargtypes[0] = 'anyarray'::regtype AND t.typcategory = 'A')
                      OR EXISTS (SELECT 1 FROM pg_cast k
                                 WHERE k.castsource = a.atttypid AND k.casttarget = p.proargtypes[0]
                                   AND k.castmethod = 'b'))) THEN 'ordered'
           ELSE 'none'
       END AS kind,
       c.reltuples::bigint AS estimated_rows,
       t.typcategory IN ('N', 'D') AS numeric
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum

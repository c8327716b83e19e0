-- The plain views over the live analytical tables ($1, $2: their qualified names), which DROP
-- TABLE at the swap would refuse to drop: acme's own (analytical_*_current) and any a user made.
-- The swap drops them, swaps the tables, and makes them again from their definitions, with their
-- options, owner and grants (shadow_live_grants.sql). Views it could not make again stop the swap
-- beforehand (shadow_blockers.sql: the load then runs in place).
SELECT DISTINCT c.oid::regclass::text AS view, pg_get_viewdef(c.oid) AS definition,
       COALESCE(array_to_string(c.reloptions, ', '), '') AS options,
       quote_ident(pg_get_userbyid(c.relowner)) AS owner,
       c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS owned
FROM pg_depend d
JOIN pg_rewrite r ON r.oid = d.objid
JOIN pg_class c ON c.oid = r.ev_class
WHERE d.classid = 'pg_rewrite'::regclass
  AND d.refclassid = 'pg_class'::regclass
  AND d.refobjid IN ($1::regclass, $2::regclass)
  AND d.deptype = 'n'
  AND c.relkind = 'v'
ORDER BY 1

-- acme doctor: the target schema $1: whether it exists, its owner, whether acme's role acts as
-- that owner (member of it), and whether the role may create it in this database.
SELECT n.oid IS NOT NULL AS schema_exists,
       pg_get_userbyid(n.nspowner) AS owner,
       COALESCE(pg_has_role(current_user, n.nspowner, 'USAGE'), false) AS acts_as_owner,
       has_database_privilege(current_database(), 'CREATE') AS can_create_schema
FROM (SELECT 1) AS one
LEFT JOIN pg_namespace n ON n.nspname = $1;

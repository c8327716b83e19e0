-- acme doctor: the target schema $1: whether it exists, its owner, whether acme's role acts as
-- that owner (member of it), and whether the role may create it in this database; and the
-- temporary file space a session may use (-1: no limit), which a full load's index builds need.
SELECT n.oid IS NOT NULL AS schema_exists,
       pg_get_userbyid(n.nspowner) AS owner,
       COALESCE(pg_has_role(current_user, n.nspowner, 'USAGE'), false) AS acts_as_owner,
       has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
       current_setting('temp_file_limit') AS temp_file_limit
FROM (SELECT 1) AS one
LEFT JOIN pg_namespace n ON n.nspname = $1;

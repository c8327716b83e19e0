-- acme doctor's fix for a target schema acme's role does not act as owner of (printed on one
-- line, without these comments): the schema, every table and view in it (their indexes and
-- serial sequences follow) and its functions (the history partitions' helpers) get {role} as
-- owner. Not REASSIGN OWNED: it moves everything the old owner has in the database, and refuses
-- the bootstrap superuser. {schema}, {role}: quoted identifiers; {schema_lit},
-- {role_lit}: the quoted schema and the role name as quoted literals.
ALTER SCHEMA {schema} OWNER TO {role};
DO $$DECLARE t regclass; f regprocedure;
BEGIN
  FOR t IN SELECT oid FROM pg_class WHERE relnamespace = {schema_lit}::regnamespace
    AND relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO %I', t, {role_lit});
  END LOOP;
  FOR f IN SELECT oid FROM pg_proc WHERE pronamespace = {schema_lit}::regnamespace LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', f, {role_lit});
  END LOOP;
END$$;

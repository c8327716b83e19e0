-- The grants on a live table ($1: its qualified name) other than its owner's, which carry over to
-- its replacement at the swap: privilege, grantee (PUBLIC or a quoted role) and grant option.
SELECT a.privilege_type,
       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
       a.is_grantable
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.oid = $1::regclass AND a.grantee <> c.relowner

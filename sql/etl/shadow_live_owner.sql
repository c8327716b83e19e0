-- The owner of the live table $1 (a qualified name), quoted, and whether it is acme's role: its
-- replacement gets the same owner.
SELECT quote_ident(pg_get_userbyid(relowner)),
       relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
FROM pg_class
WHERE oid = $1::regclass

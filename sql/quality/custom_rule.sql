-- A custom rule of the rules file: the rows of one analytical table (relation, primary key) for
-- which the user's predicate (where) holds. It runs inside the quality run's READ ONLY
-- transaction, under its statement timeout, sent as one statement (extended protocol).
SELECT t.{key}::bigint AS key, NULL::interval AS age
FROM {schema}.{relation} t
WHERE ({where}
)

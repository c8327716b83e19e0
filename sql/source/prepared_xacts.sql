-- Prepared (two-phase) transactions of the source database, read right after horizon.sql and
-- before the snapshot. Their rows commit later (COMMIT PREPARED) with their original start
-- stamp, and they have no backend in pg_stat_activity: the caller pins each table's cursor at
-- the value it had when the transaction was first seen, until it is gone (see etl/cursor.hpp).
-- `xact` identifies one prepared transaction for its lifetime (xid plus its PREPARE time).
SELECT transaction::text || '@' || to_char(prepared AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS xact,
       gid,
       to_char(prepared, 'YYYY-MM-DD HH24:MI:SS TZ') AS prepared_at,
       owner
FROM pg_prepared_xacts
WHERE database = current_database()
ORDER BY prepared;

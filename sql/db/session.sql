-- The settings of every session acme opens (db::connect and db::CopyConnection), after its
-- application_name:
-- - COPY text travels verbatim between the two servers: the formats it depends on are pinned;
-- - acme's statements are small lookups or one-pass streams: JIT compilation would only add
--   latency (and CPU on the source);
-- - every name acme uses is schema-qualified: objects another role creates in a schema on the
--   search path (a function or operator shadowing a built-in) never run with acme's privileges;
--   pg_temp goes last so temp objects cannot shadow either;
-- - a killed acme's backend must notice the dead client while a long statement runs, or it would
--   keep the writer lock until that statement ends (PostgreSQL 14+).
SET DateStyle = 'ISO, YMD';
SET client_encoding = 'UTF8';
SET IntervalStyle = 'postgres';
SET jit = off;
SET search_path = pg_catalog, pg_temp;
SELECT set_config('client_connection_check_interval', '1000', false)
WHERE current_setting('server_version_num')::int >= 140000;

-- acme status: how many seconds the source's clock, in the source's time zone ($1, empty: the
-- server's TimeZone), is ahead of the last successful sync's horizon ($2).
SELECT extract(epoch FROM (statement_timestamp() AT TIME ZONE
                             COALESCE(NULLIF($1, ''), current_setting('TimeZone')))
                          - $2::timestamp(3))::float8

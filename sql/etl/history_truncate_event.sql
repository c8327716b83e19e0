-- CDC: a TRUNCATE of {table} deletes, at its position {seq} in the stream, every row the history
-- has open and every row this batch saw before it.
INSERT INTO {events} (seq, {key}, deleted, committed_utc)
SELECT {seq}, x.{key}, true, {committed_utc}::timestamptz
FROM (SELECT {key} FROM {schema}.{history} WHERE valid_to IS NULL
      UNION
      SELECT {key} FROM {events} WHERE seq < {seq}) x

-- Cursor pins of the source's prepared (two-phase) transactions: while a prepared transaction
-- exists, no cursor passes the value it had when acme first saw it (etl/cursor.hpp apply_pin).
-- Rows are added and removed in the sync cycle's transaction, with the cursors.
CREATE TABLE {schema}.acme_prepared_pins (
    xact        TEXT NOT NULL,          -- xid@prepare-time: one prepared transaction
    table_name  TEXT NOT NULL,
    gid         TEXT NOT NULL,
    prepared_at TEXT NOT NULL,
    cursor_ts   TIMESTAMP(3),           -- NULL: the table had no cursor yet
    cursor_pk   BIGINT,
    first_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (xact, table_name)
);

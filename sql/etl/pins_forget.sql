-- Drops the pins of prepared transactions that are gone (committed or rolled back).
-- $1: the identities (xact) of the prepared transactions that still exist, as text[].
DELETE FROM {schema}.acme_prepared_pins WHERE xact <> ALL ($1::text[])

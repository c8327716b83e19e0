-- CDC mode: per replication slot, the end LSN of the last source commit applied to this target
-- (stored in the same transaction as the data it covers). needs_snapshot is set by every polling
-- cycle: the stream no longer continues the target's state, so the next CDC start hands off
-- through a fresh exported snapshot instead of replaying the slot.
CREATE TABLE {schema}.acme_cdc_state (
    slot           TEXT PRIMARY KEY,
    applied_lsn    PG_LSN NOT NULL,
    needs_snapshot BOOLEAN NOT NULL DEFAULT false,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- acme status (a part of sql/ops/status_sync_age.sql): when the stream of slot {slot} (a quoted
-- literal) last stored its position, which an idle stream refreshes (a heartbeat); NULL while it
-- needs a snapshot.
(SELECT updated_at FROM {schema}.acme_cdc_state WHERE slot = {slot} AND NOT needs_snapshot)

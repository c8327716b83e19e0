-- Replication slot $1 of the source, and whether it is of acme's kind: a logical slot of the
-- pgoutput plugin in this database. The one test of "is this slot acme's" (the stream's start,
-- cdc drop-slot and doctor use it); no row: no such slot.
SELECT (slot_type = 'logical' AND plugin = 'pgoutput' AND database = current_database()) AS ours,
       format('a %s slot, plugin %s, database %s', slot_type, COALESCE(plugin, '-'),
              COALESCE(database, '-')) AS kind
FROM pg_catalog.pg_replication_slots
WHERE slot_name = $1

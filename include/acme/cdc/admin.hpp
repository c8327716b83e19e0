// The source-side administration of CDC mode: `acme cdc setup` (wal_level and the publication
// of the four contract tables), the check that the publication still serves the contract, and
// `acme cdc drop-slot`.
#pragma once

#include "acme/config/config.hpp"

#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <utility>
#include <vector>

namespace acme::cdc {

// What `acme cdc setup` found and did on the source.
struct SetupResult {
  enum class Outcome {
    created,  // acme created the publication for the four contract tables
    complete, // the publication exists and serves the four tables: nothing to do
    needs_dba // something only a DBA (or the tables' owner) can do: see `sql`
  };
  Outcome outcome = Outcome::complete;
  std::vector<std::string> findings; // one line each: what is missing and why it matters
  std::string sql;                   // needs_dba: the exact statements to run on the source
};

// Prepares the source for CDC mode: wal_level must be logical (otherwise acme::Fatal naming the
// setting); the publication ACME_CDC_PUBLICATION must publish inserts, updates, deletes and
// truncates of the four contract tables of ACME_SOURCE_SCHEMA, all their rows and contract
// columns. A missing publication is created `FOR TABLE` those tables when the role may (the
// tables' owner with CREATE on the database); otherwise, or when an existing publication falls
// short (acme never alters a publication others may subscribe to), the result carries the SQL.
// A role without the REPLICATION attribute is reported the same way.
SetupResult setup_publication(const config::Config& config);

// What keeps the publication from serving the contract to a stream, one line each (empty: it
// serves it): a contract table missing, unpublished, published with a row filter or a column
// list without contract columns, under a replica identity acme cannot stream, or partitioned and
// published without publish_via_partition_root (changes would arrive under the partitions'
// names); actions the publication does not publish. Read with sql/source/cdc_publication.sql,
// the query `acme cdc setup` uses; every CDC start runs it, and the stream re-runs it while it
// streams, so a drifting publication stops acme (exit 2) instead of silently dropping changes.
// nullopt when the publication does not exist at all.
std::optional<std::vector<std::string>> publication_gaps(pqxx::connection& source,
                                                         const config::Config& config);

// The contract tables whose replica identity CDC cannot stream, each with its identity (FULL,
// DEFAULT, USING INDEX, NOTHING); the rule is sql/source/cdc_publication.sql's, in `tx` on the
// source.
std::vector<std::pair<std::string, std::string>>
unsupported_identities(pqxx::transaction_base& tx, const config::Config& config);

// What `acme cdc drop-slot` did.
struct DropSlotResult {
  bool dropped = false;  // the slot existed and is gone
  bool recorded = false; // the target records the slot (it now needs a fresh snapshot)
};

// Drops acme's replication slot ACME_CDC_SLOT on the source, so that it stops retaining WAL.
// Only a slot the target's acme_cdc_state records (acme created it), unless `force`; never a
// physical slot, another plugin's or another database's (UsageError). A slot in use by a running
// stream is a LockedError (exit 3). The target's record is marked needs_snapshot in a
// transaction that commits only after the drop, so a later CDC start re-snapshots. A slot that
// does not exist is not an error (dropped = false).
DropSlotResult drop_slot(const config::Config& config, bool force);

} // namespace acme::cdc

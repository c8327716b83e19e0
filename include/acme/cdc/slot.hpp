// What a replication slot of the source is, as far as acme is concerned: of acme's kind (a
// logical pgoutput slot of the source database) or another consumer's.
#pragma once

#include <optional>
#include <pqxx/transaction_base>
#include <string>

namespace acme::cdc {

struct SlotKind {
  bool ours = false; // logical, pgoutput, this database: a slot acme can stream and may drop
  std::string kind;  // "a logical slot, plugin pgoutput, database acme_source", for messages
};

// The slot named `slot` on the source (sql/source/cdc_slot_kind.sql); nullopt if none.
std::optional<SlotKind> slot_kind(pqxx::transaction_base& source, const std::string& slot);

} // namespace acme::cdc

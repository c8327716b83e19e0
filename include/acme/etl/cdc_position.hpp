// The CDC stream's position as the target stores it: CdcPosition reads and writes acme_cdc_state
// (the applied LSN per slot, and whether the stream still continues the target's state). In etl,
// below cdc, because a polling cycle and a snapshot hand-off write it too.
#pragma once

#include <optional>
#include <pqxx/transaction_base>
#include <string>

namespace acme::etl {

// acme_cdc_state in the transaction the caller owns, so that a position commits with the changes
// it was applied with.
class CdcPosition {
public:
  CdcPosition(pqxx::transaction_base& target, std::string schema);

  // The applied LSN stored for `slot` (nullopt: none), and whether a polling cycle ran since.
  struct Stored {
    std::string applied_lsn;
    bool needs_snapshot = false;
  };
  std::optional<Stored> load(const std::string& slot);

  // Stores the end LSN of the last source commit this transaction applies.
  void save(const std::string& slot, const std::string& applied_lsn);

  // A polling cycle: marks every slot's stream as no longer continuing the target's state.
  void invalidate();

  // Before acme drops or creates `slot`: records (inserting the row if there is none) that the
  // stream does not continue the target until a snapshot hand-off commits. Committed before the
  // slot changes, so a start interrupted anywhere later re-snapshots instead of streaming a new
  // slot from an old position, and recognizes a slot it created but never recorded as its own.
  void mark_snapshot_needed(const std::string& slot);

  // Stores a position the stream reached with nothing of the target's pending (WAL of other
  // tables or databases), before acme confirms it to the server, so that a slot confirmed past
  // what the target stored means lost changes. False if the slot's record needs a snapshot.
  bool advance(const std::string& slot, const std::string& lsn);

private:
  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

} // namespace acme::etl

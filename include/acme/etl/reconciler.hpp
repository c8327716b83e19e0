// Key reconciliation on the target side: Reconciler compares the source's key-range summaries
// and keys (staged by the Extractor) with the target's, and names what the target lacks.
#pragma once

#include "acme/etl/tables.hpp"

#include <cstdint>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::etl {

// Reads the reconciliation work tables (acme_buckets_*, acme_keys_*) against the target tables
// in the transaction the caller owns (sql/etl/recon_*.sql).
class Reconciler {
public:
  Reconciler(pqxx::transaction_base& target, std::string schema);

  // Compares the source's key-range summaries (acme_buckets_*) with the target's; records the
  // ranges that differ for reconciliation and returns them.
  std::vector<std::int64_t> mismatched_buckets(const TableSpec& table,
                                               const std::optional<KeyRange>& range = std::nullopt);

  // Keys the source has (acme_keys_*) that neither the target nor the staging holds.
  std::vector<std::int64_t> missing_keys(const TableSpec& table, std::int64_t limit);

private:
  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

} // namespace acme::etl

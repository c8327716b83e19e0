// Key reconciliation on the target side: Reconciler compares a table's key ranges and keys in
// the source with the target's and stages the source rows of what the target lacks or cannot
// have seen through its cursor, for the Transformer to merge.
#pragma once

#include "acme/etl/extractor.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/tables.hpp"

#include <cstdint>
#include <functional>
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

  // What compare() did for one table.
  struct Comparison {
    std::size_t ranges_compared = 0; // key ranges whose summaries differed
    std::int64_t rows_read = 0;      // source rows staged
  };

  // Compares `table`'s keys within `range` (all of them: nullopt) range by range: only key
  // ranges whose (count, sum, hash sum) differ are compared key by key, so a reconciliation
  // without deletes moves one summary row per 256 keys. Stages, through `source` into `stager`,
  // the rows of the keys the target lacks and those a cursor cannot see (NULL or infinite
  // updated_at), or the whole table when too many keys are missing. The key ranges that differ
  // stay recorded for the merge's deletes. `should_stop` is polled during the COPYs.
  Comparison compare(const TableSpec& table, const std::optional<KeyRange>& range,
                     const Extractor& source, Stager& stager,
                     const std::function<bool()>& should_stop);

private:
  // Compares the source's key-range summaries (acme_buckets_*) with the target's; records the
  // ranges that differ for reconciliation and returns them.
  std::vector<std::int64_t> mismatched_buckets(const TableSpec& table,
                                               const std::optional<KeyRange>& range);

  // Keys the source has (acme_keys_*) that neither the target nor the staging holds.
  std::vector<std::int64_t> missing_keys(const TableSpec& table, std::int64_t limit);

  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

} // namespace acme::etl

// `acme verify [--repair]`: every target row compared by key range with what one source
// snapshot gives, the optional repair of the rows that differ, and the report.
#pragma once

#include "acme/config/config.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace acme::ops {

// What acme verify found in one target table.
struct TableDrift {
  std::string table;            // target table: customers, products, analytical_orders, ...
  std::int64_t source_rows = 0; // rows the invariant demands (from the source snapshot)
  std::int64_t target_rows = 0; // rows the target holds
  std::int64_t ranges = 0;      // key ranges compared
  std::int64_t ranges_differing = 0;
  std::int64_t missing = 0;   // keys the target lacks
  std::int64_t extra = 0;     // keys the source does not have
  std::int64_t different = 0; // keys whose values differ
  std::vector<std::int64_t> missing_keys, extra_keys, different_keys; // the first 20 of each
  std::int64_t remaining = 0; // --repair: differences left after the repair (0: repaired)

  bool equal() const { return missing == 0 && extra == 0 && different == 0; }
};

// The outcome of acme verify [--repair].
struct VerifyReport {
  std::vector<TableDrift> tables;
  bool repair = false;
  std::int64_t rows_staged = 0;  // --repair: source rows re-merged and keys deleted
  std::int64_t rows_written = 0; // --repair: target rows the merge changed
  double seconds = 0.0;

  // Whether the target differed from the source when verify looked.
  bool drift() const;
  // Whether differences remain (no repair asked, or the repair left some).
  bool unresolved() const;
  std::string to_text() const;
  nlohmann::json to_json() const;
};

// Keys per comparison range: 2^k_verify_bits.
inline constexpr int k_verify_bits = 10;

// Compares every target row with what the invariant (design.md §3) gives from one consistent
// source snapshot: per key range the row count and a hash of every column first, then the rows
// of the differing ranges only. With `repair`, takes the writer lock and rewrites exactly the
// differing rows (re-merging their source rows, deleting extra keys) in one target transaction,
// then re-checks those ranges before committing. Reads only, without `repair`.
VerifyReport run_verify(const config::Config& config, bool repair);

} // namespace acme::ops

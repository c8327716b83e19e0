// Column profiles of the target's analytical tables (null share, distinct count, min/max, top
// values), each table read by one aggregate query generated from the catalog, and the rows of
// data_profile.csv. Also the check that a transaction is a REPEATABLE READ READ ONLY snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::quality {

// Throws acme::Fatal unless `tx` is REPEATABLE READ (or SERIALIZABLE) and READ ONLY: every
// quality figure must come from one consistent snapshot and never write.
void require_snapshot(pqxx::transaction_base& tx);

// The analytical tables profiled by default, in this order.
std::vector<std::string> default_profile_tables();

// What profile() reads.
struct ProfileOptions {
  std::vector<std::string> tables = default_profile_tables();
  // Tables with more rows than this (planner estimate) get estimated distinct counts and top
  // values from pg_stats instead of an exact GROUPING SETS scan.
  std::int64_t exact_row_limit = 1'000'000;
  std::size_t top_n = 5;
};

// One value and how many rows hold it.
struct TopValue {
  std::string value;
  std::int64_t count = 0;
};

// One column's profile.
struct ColumnProfile {
  std::string table;
  std::string column;
  std::string type;     // format_type(), e.g. "bigint", "timestamp(3) without time zone"
  bool numeric = false; // a number or a date: its min/max are written as numbers in CSV
  std::int64_t rows = 0;
  std::int64_t nulls = 0;
  double null_share = 0;                // nulls / rows (0 for an empty table)
  std::optional<std::int64_t> distinct; // non-NULL distinct values; empty: unavailable
  std::string distinct_method;          // exact | estimated (pg_stats) | unavailable (no stats)
  std::optional<std::string> min;       // empty for types without an order, or no values
  std::optional<std::string> max;
  std::vector<TopValue> top_values; // most frequent non-NULL values, most frequent first
};

// Every profiled column, table by table in catalog order.
struct ProfileResult {
  std::vector<ColumnProfile> columns;
};

// Profiles the analytical tables of the target schema `schema` in `tx` (require_snapshot()).
ProfileResult profile(pqxx::transaction_base& tx, const std::string& schema,
                      const ProfileOptions& options = {});

// The header of data_profile.csv: table, column, type, rows, null_share, distinct,
// distinct_method, min, max, top_values.
std::vector<std::string> profile_csv_header();

// One data_profile.csv row per column (empty: NULL); null_share with 4 decimals, top_values as a
// JSON array of {"value","count"}.
std::vector<std::vector<std::optional<std::string>>> profile_csv_rows(const ProfileResult& result);

// The profile as JSON (for --json): an array of column objects with the ColumnProfile fields.
nlohmann::ordered_json to_json(const ProfileResult& result);

} // namespace acme::quality

// The transformation rules: Transformer applies the merge, fan-out, totals and history SQL of
// sql/etl/ to what a polling cycle or a CDC flush staged, in the caller's target transaction.
#pragma once

#include "acme/etl/tables.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/transaction_base>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace acme::etl {

// Rows written by one merge, by step (for logs and the run record).
struct MergeCounts {
  std::map<std::string, std::int64_t> written; // step name -> rows inserted/updated/deleted
  std::int64_t total() const;
};

// The transformation rules of design.md section 3 — the merge, fan-out, totals and history SQL
// of sql/etl/ — applied to what a change source staged through the Stager (a polling cycle's
// rows or a CDC flush's), in the caller's target transaction. One implementation for both
// change sources: a rule exists once.
class Transformer {
public:
  Transformer(pqxx::transaction_base& target, std::string schema);

  // Applies staged rows and fan-outs; for the tables listed in `key_tables`, also removes rows
  // whose keys are absent from their key tables (a full read or reconciliation) or staged as
  // deleted (CDC). `closed_set_changed`: recompute openness and open prices everywhere.
  MergeCounts merge(const std::vector<std::string>& key_tables, bool closed_set_changed);

  // A full load through shadow tables (ParallelLoad): applies the staged customers and products
  // only (and, for those in `key_tables`, their deletes); orders and items are loaded whole.
  MergeCounts merge_dimensions(const std::vector<std::string>& key_tables);

  // How this transaction observed its changes.
  struct HistoryContext {
    std::string observed_by;            // load | poll | cdc
    std::string time_zone;              // the source writers' time zone (dates commit times)
    std::optional<std::string> seen_at; // source clock of the cycle (dates deletes a poll finds)
    bool events_from_staging = true;    // poll/load: one event per staged row; cdc stages its own
    std::optional<int> retention_days;  // prune closed intervals older than this
  };
  // Order status intervals and customer versions from this transaction's events; call after
  // merge(). Returns rows written.
  std::int64_t record_history(const HistoryContext& context);

  // Runs every statement merge() (with every table in its key tables) and record_history() can
  // run, whatever the work tables hold. Over the empty work tables of a new session it writes
  // nothing; the caller rolls it back. What it leaves is the session's catalog caches filled
  // for every relation, index and operator the statements use: a CDC stream's first flush
  // otherwise pays for that (~100 ms at S), while changes keep arriving.
  void prime(const HistoryContext& context);

private:
  // `table`: the statement is rendered for it (a delete_*.sql: {gone_tids} and the like).
  std::int64_t run_counted(std::string_view step, std::string_view sql,
                           const TableSpec* table = nullptr);
  // Those of the session tables `tables` that hold rows, in one round trip.
  std::set<std::string_view> holding_rows(const std::vector<std::string_view>& tables);
  // The source tables (k_tables' names) whose staging table holds rows.
  std::set<std::string_view> staged_tables();
  // Planner statistics of the staging tables of the first `tables` of k_tables, and of the key
  // tables of those listed in `key_tables`.
  void analyze_staging(const std::vector<std::string>& key_tables, std::size_t tables);
  // The customers and products steps of merge() and merge_dimensions(), into `c`; a table
  // without staged rows (not in `staged`) is not merged.
  void merge_dimension_rows(const std::vector<std::string>& key_tables, MergeCounts& c,
                            const std::set<std::string_view>& staged);

  pqxx::transaction_base& m_tx;
  std::string m_schema;
  bool m_every_step = false; // prime(): every work table counts as holding rows
};

} // namespace acme::etl

// The full load's destination: ShadowTables creates the shadow copies of analytical_orders and
// analytical_order_items (same columns, storage options and defaults, no indexes), swaps them in
// for the live tables, and drops what a failed or killed load left behind.
#pragma once

#include "acme/db/copy_connection.hpp"

#include <functional>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::etl {

// The shadow tables of one full load (ParallelLoad fills them): made by create() on one target
// session, swapped in by swap() in the caller's (short) target transaction with the cursors and
// the run record: DROP the live tables, RENAME the shadows in, same index and constraint names,
// owner and grants. A crash before that commit leaves only shadow tables, which
// drop_leftovers() removes at the next start.
class ShadowTables {
public:
  struct Index {
    std::string live_name;   // index name on the live table
    std::string shadow_name; // the same index built on the shadow
    std::string create;      // CREATE INDEX statement for the shadow
    std::string constraint;  // primary key / unique constraint name, or empty
    std::string constraint_kind;
  };
  struct Table {
    std::string live;   // name in the target schema
    std::string shadow; // name in the target schema
    std::vector<Index> indexes;
    std::optional<std::string> autovacuum; // the live table's autovacuum_enabled, if set
  };

  // `keep_settled_prices`: the target holds data (a reload), so no partial totals table.
  ShadowTables(std::string schema, bool keep_settled_prices);

  // Drops shadow tables a crashed or failed load left behind (needs the writer lock).
  static void drop_leftovers(pqxx::connection& target, const std::string& schema);

  // Objects that a swap would break or lose (dependent views, foreign keys, triggers, ...), as
  // descriptions; a full load with any of them must load in place instead.
  static std::vector<std::string> swap_blockers(pqxx::transaction_base& target,
                                                const std::string& schema);

  // Whether the target holds no order and no item yet: a full load then has no settled prices to
  // keep (ParallelLoad::Options::keep_settled_prices).
  static bool target_empty(pqxx::transaction_base& target, const std::string& schema);

  // Creates the shadow tables (and, on a first load, the partial totals table) through `conn`,
  // in a transaction of their own, reading the live tables' indexes and storage options.
  void create(db::CopyConnection& conn);

  const Table& orders() const { return m_tables.at(0); }
  const Table& items() const { return m_tables.at(1); }
  // The partial order totals table (qualified; a first load only), or empty.
  const std::string& partials() const { return m_partials; }

  // In the caller's target transaction: records the history events of the load (every loaded
  // order, a delete for every live order not loaded) for Transformer::record_history().
  void stage_history_events(pqxx::transaction_base& target) const;

  // In the caller's target transaction: replaces the live tables by the shadows. Waits for
  // sessions holding the live tables in attempts of 1 s (lock_timeout), so readers are never
  // queued behind it for longer, warning with the holders every 10 s; Error after 5 minutes, or
  // as soon as `stopping` says so between attempts.
  void swap(pqxx::dbtransaction& target, const std::function<bool()>& stopping) const;

  // Drops the shadow tables (and the partial totals) through `conn`, outside any transaction.
  void drop(db::CopyConnection& conn) const;

private:
  // One attempt of swap(): DROP, RENAME, constraints, owner and grants of both tables.
  void swap_tables(pqxx::transaction_base& target) const;

  std::string m_schema;
  bool m_keep_settled_prices = false;
  std::vector<Table> m_tables; // orders, items
  std::string m_partials;
};

} // namespace acme::etl

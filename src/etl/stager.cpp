#include "acme/etl/stager.hpp"

#include "acme/db/connection.hpp"
#include "acme/db/copy.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <pqxx/pqxx>

namespace acme::etl {

Stager::Stager(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

void Stager::empty_work_tables() {
  const auto tables =
      m_tx.exec_params(std::string(sql::etl_work_tables), k_work_table_truncate_bytes);
  std::string truncate;
  std::string statements;
  for (const auto& row : tables) {
    const auto name = db::quote_ident(row[0].as<std::string>());
    if (row[1].as<bool>()) {
      truncate += (truncate.empty() ? "TRUNCATE " : ", ") + name;
    } else {
      statements += "DELETE FROM " + name + ";";
    }
  }
  if (!truncate.empty()) {
    statements += truncate + ";";
  }
  if (!statements.empty()) {
    m_tx.exec(statements);
  }
}

bool Stager::prepare(const std::vector<std::string>& closed_statuses) {
  // Fan-outs probe the target by key (rows of one order or product are clustered); with the
  // default random_page_cost the planner prefers whole-table scans once a cycle touches tens of
  // thousands of rows. A planner cost only: results cannot change.
  m_tx.exec("SET LOCAL random_page_cost = 1.1");
  // No JIT: a merge touches few rows, but a range join's estimate grows with the table (a
  // parameter's range gets a fixed share of its rows), and past jit_above_cost every flush paid
  // the compile: 260-350 ms for a delete of one order's items that runs in 0.2 ms, at 47 M items.
  m_tx.exec("SET LOCAL jit = off");
  // The work tables live as long as the session: created once (the last table staging.sql
  // creates is the sentinel), emptied here at the start of every cycle's transaction (a
  // rollback discards its own rows anyway). Not ON COMMIT DELETE ROWS: PostgreSQL truncates
  // every such table at every commit, ~30 tables and their indexes, which cost a CDC flush
  // 40-200 ms. A DELETE of a few hundred rows costs microseconds; a table that grew past
  // k_work_table_truncate_bytes (a big cycle, or dead rows piling up) is truncated instead,
  // which also bounds the dead space of the DELETEs (temp tables are never autovacuumed).
  const bool create =
      m_tx.exec("SELECT to_regclass('pg_temp.acme_tr_customers') IS NULL")[0][0].as<bool>();
  if (create) {
    m_tx.exec(std::string(sql::etl_staging));
  } else {
    empty_work_tables();
  }
  m_tx.exec_params("INSERT INTO acme_closed (status) SELECT unnest($1::text[])",
                   db::text_array(closed_status_set(closed_statuses)));
  return create;
}

std::int64_t Stager::copy_in(pqxx::transaction_base& source, const std::string& query,
                             const TableSpec& table, WorkTable into,
                             const std::function<bool()>& should_stop,
                             const std::function<void(std::int64_t rows)>& on_rows) {
  const std::string_view relation = into == WorkTable::rows      ? table.staging
                                    : into == WorkTable::buckets ? table.buckets
                                                                 : table.keys;
  return db::copy_between(source, query, m_tx, std::string(relation), should_stop, on_rows);
}

std::optional<Cursor> Stager::staged_max(const TableSpec& table) {
  const auto r = m_tx.exec(max_cursor_sql(table, table.staging));
  if (r.empty()) {
    return std::nullopt;
  }
  return Cursor{r[0][0].as<std::string>(), r[0][1].as<std::int64_t>()};
}

void Stager::keys_from_staging(const TableSpec& table) {
  m_tx.exec(render_sql(sql::etl_recon_staged_keys, m_schema, &table));
}

void Stager::stage_rows(const TableSpec& table, const StagedRows& rows) {
  db::write_rows(m_tx, std::string(table.staging), rows);
}

void Stager::stage_deletes(const TableSpec& table, const std::vector<std::int64_t>& keys) {
  std::string list = "{";
  for (const auto k : keys) {
    list += (list.size() > 1 ? "," : "") + std::to_string(k);
  }
  list += "}";
  m_tx.exec_params(render_sql(sql::etl_cdc_delete_keys, m_schema, &table), list);
}

void Stager::stage_events(const std::string& table, const StagedRows& rows) {
  db::write_rows(m_tx, table == "orders" ? "acme_evt_orders" : "acme_evt_customers", rows);
}

void Stager::stage_truncate_event(const std::string& table, std::int64_t seq,
                                  const std::string& committed_utc) {
  const bool orders = table == "orders";
  m_tx.exec(render_sql(
      sql::etl_history_truncate_event, m_schema, nullptr,
      {{"table", table},
       {"events", orders ? "acme_evt_orders" : "acme_evt_customers"},
       {"key", orders ? "order_id" : "customer_id"},
       {"history", orders ? "analytical_order_status_history" : "analytical_customer_history"},
       {"seq", std::to_string(seq)},
       {"committed_utc", m_tx.quote(committed_utc)}}));
}

} // namespace acme::etl

#include "acme/etl/loader.hpp"

#include "acme/db/connection.hpp"
#include "acme/db/copy.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"
#include "acme/version.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace acme::etl {

Loader::Loader(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

std::string Loader::render(std::string_view sql, const TableSpec* table,
                           const std::map<std::string, std::string>& values) const {
  return render_sql(sql, m_schema, table, values);
}

void Loader::empty_work_tables() {
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

bool Loader::prepare(const std::vector<std::string>& closed_statuses) {
  // Fan-outs probe the target by key (rows of one order or product are clustered); with the
  // default random_page_cost the planner prefers whole-table scans once a cycle touches tens of
  // thousands of rows. A planner cost only: results cannot change.
  m_tx.exec("SET LOCAL random_page_cost = 1.1");
  // The work tables live as long as the session: created once (the last table staging.sql
  // creates is the sentinel), emptied here at the start of every cycle's transaction (a
  // rollback discards its own rows anyway). Not ON COMMIT DELETE ROWS: PostgreSQL truncates
  // every such table at every commit, ~30 tables and their indexes, which cost a CDC flush
  // 40-200 ms. A DELETE of a few hundred rows costs microseconds; a table that grew past
  // k_work_table_truncate_bytes (a big cycle, or dead rows piling up) is truncated instead,
  // which also bounds the dead space of the DELETEs (temp tables are never autovacuumed).
  if (m_tx.exec("SELECT to_regclass('pg_temp.acme_tr_customers') IS NULL")[0][0].as<bool>()) {
    m_tx.exec(std::string(sql::etl_staging));
  } else {
    empty_work_tables();
  }
  const nlohmann::json wanted = closed_set(closed_statuses);
  m_tx.exec_params("INSERT INTO acme_closed (status) SELECT unnest($1::text[])",
                   db::text_array(wanted.get<std::vector<std::string>>()));
  const auto settings = db::qualify(m_schema, "acme_settings");
  const auto stored = stored_closed_set();
  const bool changed = !stored || *stored != wanted;
  if (changed) {
    m_tx.exec_params("INSERT INTO " + settings +
                         " (key, value) VALUES ($1, $2::jsonb) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                     "closed_statuses", wanted.dump());
  }
  return changed && stored;
}

nlohmann::json Loader::closed_set(const std::vector<std::string>& closed_statuses) {
  auto sorted = closed_statuses;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  nlohmann::json set = nlohmann::json::array();
  for (const auto& s : sorted) {
    set.push_back(s);
  }
  return set;
}

std::optional<nlohmann::json> Loader::stored_closed_set() {
  const auto stored = m_tx.exec_params(
      "SELECT value::text FROM " + db::qualify(m_schema, "acme_settings") + " WHERE key = $1",
      "closed_statuses");
  if (stored.empty()) {
    return std::nullopt;
  }
  return nlohmann::json::parse(stored[0][0].as<std::string>());
}

bool Loader::closed_statuses_differ(const std::vector<std::string>& closed_statuses) {
  const auto stored = stored_closed_set();
  return stored && *stored != closed_set(closed_statuses);
}

std::optional<Cursor> Loader::max_cursor(const TableSpec& table, const std::string& relation) {
  const auto r = m_tx.exec(max_cursor_sql(table, relation));
  if (r.empty()) {
    return std::nullopt;
  }
  return Cursor{r[0][0].as<std::string>(), r[0][1].as<std::int64_t>()};
}

std::optional<Cursor> Loader::staged_max(const TableSpec& table) {
  return max_cursor(table, std::string(table.staging));
}

void Loader::keys_from_staging(const TableSpec& table) {
  m_tx.exec(render(sql::etl_recon_staged_keys, &table));
}

bool Loader::target_empty() {
  return m_tx
      .exec(fmt::format("SELECT NOT EXISTS (SELECT 1 FROM {}) AND NOT EXISTS (SELECT 1 FROM {})",
                        db::qualify(m_schema, "analytical_orders"),
                        db::qualify(m_schema, "analytical_order_items")))[0][0]
      .as<bool>();
}

std::vector<std::int64_t> Loader::mismatched_buckets(const TableSpec& table,
                                                     const std::optional<KeyRange>& range) {
  const auto r = m_tx.exec(render(sql::etl_recon_mismatched_buckets, &table,
                                  {{"buckets", std::string(table.buckets)},
                                   {"range", key_condition(db::quote_ident(table.pk), range)}}));
  std::vector<std::int64_t> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back(row[0].as<std::int64_t>());
  }
  return out;
}

std::vector<std::int64_t> Loader::missing_keys(const TableSpec& table, std::int64_t limit) {
  const auto r =
      m_tx.exec(render(sql::etl_recon_missing_keys, &table, {{"limit", std::to_string(limit)}}));
  std::vector<std::int64_t> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back(row[0].as<std::int64_t>());
  }
  return out;
}

Loader::Pins Loader::pin_prepared(const std::vector<PreparedXact>& prepared) {
  Pins pins;
  std::vector<std::string> alive;
  alive.reserve(prepared.size());
  for (const auto& p : prepared) {
    alive.push_back(p.xact);
  }
  m_tx.exec_params(db::with_schema(sql::etl_pins_forget, m_schema), db::text_array(alive));
  std::vector<std::string> tables;
  for (const auto& t : k_tables) {
    tables.emplace_back(t.source);
  }
  const std::string add = db::with_schema(sql::etl_pins_add, m_schema);
  for (const auto& p : prepared) {
    const auto r = m_tx.exec_params(add, p.xact, p.gid, p.prepared_at, db::text_array(tables));
    pins.added += static_cast<int>(r.size());
  }
  for (const auto& row : m_tx.exec(db::with_schema(sql::etl_pins_lowest, m_schema))) {
    Cursor c;
    if (!row["cursor_ts"].is_null()) {
      c.ts = row["cursor_ts"].as<std::string>();
      c.pk = row["cursor_pk"].as<std::int64_t>();
    }
    const auto table = row["table_name"].as<std::string>();
    pins.lowest[table] = c;
    pins.holder[table] = row["gid"].as<std::string>();
  }
  return pins;
}

void Loader::stage_rows(const TableSpec& table,
                        const std::vector<std::vector<std::optional<std::string>>>& rows) {
  db::write_rows(m_tx, std::string(table.staging), rows);
}

void Loader::stage_deletes(const TableSpec& table, const std::vector<std::int64_t>& keys) {
  std::string list = "{";
  for (const auto k : keys) {
    list += (list.size() > 1 ? "," : "") + std::to_string(k);
  }
  list += "}";
  m_tx.exec_params(render(sql::etl_cdc_delete_keys, &table), list);
}

void Loader::stage_events(const std::string& table,
                          const std::vector<std::vector<std::optional<std::string>>>& rows) {
  db::write_rows(m_tx, table == "orders" ? "acme_evt_orders" : "acme_evt_customers", rows);
}

void Loader::stage_truncate_event(const std::string& table, std::int64_t seq,
                                  const std::string& committed_utc) {
  const bool orders = table == "orders";
  m_tx.exec(render(
      sql::etl_history_truncate_event, nullptr,
      {{"table", table},
       {"events", orders ? "acme_evt_orders" : "acme_evt_customers"},
       {"key", orders ? "order_id" : "customer_id"},
       {"history", orders ? "analytical_order_status_history" : "analytical_customer_history"},
       {"seq", std::to_string(seq)},
       {"committed_utc", m_tx.quote(committed_utc)}}));
}

std::optional<Loader::CdcState> Loader::load_cdc_state(const std::string& slot) {
  const auto r = m_tx.exec_params("SELECT applied_lsn::text, needs_snapshot FROM " +
                                      db::qualify(m_schema, "acme_cdc_state") + " WHERE slot = $1",
                                  slot);
  if (r.empty()) {
    return std::nullopt;
  }
  return CdcState{r[0][0].as<std::string>(), r[0][1].as<bool>()};
}

void Loader::save_cdc_state(const std::string& slot, const std::string& applied_lsn) {
  m_tx.exec_params(render(sql::etl_state_save_cdc), slot, applied_lsn);
}

void Loader::invalidate_cdc_state() {
  m_tx.exec("UPDATE " + db::qualify(m_schema, "acme_cdc_state") +
            " SET needs_snapshot = true, updated_at = now() WHERE NOT needs_snapshot");
}

void Loader::mark_snapshot_needed(const std::string& slot) {
  m_tx.exec_params("INSERT INTO " + db::qualify(m_schema, "acme_cdc_state") +
                       " (slot, applied_lsn, needs_snapshot) VALUES ($1, '0/0', true) ON CONFLICT "
                       "(slot) DO UPDATE SET needs_snapshot = true, updated_at = now()",
                   slot);
}

bool Loader::advance_cdc_position(const std::string& slot, const std::string& lsn) {
  const auto r = m_tx.exec_params("UPDATE " + db::qualify(m_schema, "acme_cdc_state") +
                                      " SET applied_lsn = greatest(applied_lsn, $2::pg_lsn), "
                                      "updated_at = now() WHERE slot = $1 AND NOT needs_snapshot",
                                  slot, lsn);
  return r.affected_rows() == 1;
}

void Loader::forget_poll_state() {
  m_tx.exec("DELETE FROM " + db::qualify(m_schema, "acme_sync_state"));
}

std::map<std::string, TableState> Loader::load_state() {
  std::map<std::string, TableState> out;
  const auto r = m_tx.exec(fmt::format(
      "SELECT table_name, to_char(cursor_ts, '{}'), cursor_pk, last_full_at IS NOT NULL FROM {}",
      k_ts_format, db::qualify(m_schema, "acme_sync_state")));
  for (const auto& row : r) {
    TableState s;
    if (!row[1].is_null()) {
      s.cursor.ts = row[1].as<std::string>();
      s.cursor.pk = row[2].as<std::int64_t>();
    }
    s.loaded = row[3].as<bool>();
    out[row[0].as<std::string>()] = s;
  }
  return out;
}

void Loader::save_state(const std::string& table, const Cursor& cursor, bool full) {
  const std::string ts = cursor.ts.value_or("");
  m_tx.exec_params(render(sql::etl_state_save_cursor), table, ts, cursor.pk, full);
}

void Loader::mark_reconciled(const std::string& table) {
  m_tx.exec_params("UPDATE " + db::qualify(m_schema, "acme_sync_state") +
                       " SET last_reconciled_at = now(), updated_at = now() WHERE table_name = $1",
                   table);
}

void Loader::record_run(const RunRecord& run) {
  const auto runs = db::qualify(m_schema, "acme_runs");
  m_tx.exec_params("INSERT INTO " + runs +
                       " (started_at, mode, status, horizon_kind, horizon, rows, error, "
                       "acme_version) VALUES ($1::timestamptz, $2, $3, $4, $5::timestamp(3), "
                       "$6::jsonb, $7, $8)",
                   run.started_at, run.mode, run.succeeded ? "succeeded" : "failed",
                   run.horizon_kind, run.horizon, run.rows.dump(), run.error,
                   std::string(version()));
  // Bounded history: keep the newest 10,000 runs.
  m_tx.exec("DELETE FROM " + runs + " WHERE run_id <= (SELECT max(run_id) - 10000 FROM " + runs +
            ")");
}

} // namespace acme::etl

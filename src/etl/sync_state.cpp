#include "acme/etl/sync_state.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/etl/tables.hpp"
#include "acme/sql/embedded.hpp"
#include "acme/version.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace acme::etl {

SyncState::SyncState(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

std::map<std::string, TableState> SyncState::load_tables() {
  std::map<std::string, TableState> out;
  const auto r = m_tx.exec(render_sql(sql::etl_state_load_cursors, m_schema, nullptr,
                                      {{"ts_format", "'" + std::string(k_ts_format) + "'"}}));
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

void SyncState::save_cursor(const std::string& table, const Cursor& cursor, bool full) {
  const std::string ts = cursor.ts.value_or("");
  m_tx.exec_params(render_sql(sql::etl_state_save_cursor, m_schema), table, ts, cursor.pk, full);
}

void SyncState::mark_reconciled(const std::string& table) {
  m_tx.exec_params(render_sql(sql::etl_state_mark_reconciled, m_schema), table);
}

void SyncState::forget_cursors() {
  m_tx.exec("DELETE FROM " + db::qualify(m_schema, "acme_sync_state"));
}

std::optional<nlohmann::json> SyncState::stored_closed_set() {
  const auto stored = m_tx.exec_params(
      db::with_schema("SELECT value::text FROM {schema}.acme_settings WHERE key = $1", m_schema),
      "closed_statuses");
  if (stored.empty()) {
    return std::nullopt;
  }
  return nlohmann::json::parse(stored[0][0].as<std::string>());
}

bool SyncState::store_closed_statuses(const std::vector<std::string>& closed_statuses) {
  const nlohmann::json wanted = closed_status_set(closed_statuses);
  const auto stored = stored_closed_set();
  const bool changed = !stored || *stored != wanted;
  if (changed) {
    m_tx.exec_params(render_sql(sql::etl_state_save_setting, m_schema), "closed_statuses",
                     wanted.dump());
  }
  return changed && stored;
}

bool SyncState::closed_statuses_differ(const std::vector<std::string>& closed_statuses) {
  const auto stored = stored_closed_set();
  return stored && *stored != nlohmann::json(closed_status_set(closed_statuses));
}

SyncState::Pins SyncState::pin_prepared(const std::vector<PreparedXact>& prepared) {
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

void SyncState::record_run(const RunRecord& run) {
  m_tx.exec_params(render_sql(sql::etl_state_record_run, m_schema), run.started_at, run.mode,
                   run.succeeded ? "succeeded" : "failed", run.horizon_kind, run.horizon,
                   run.rows.dump(), run.error, std::string(version()));
  // Bounded history: keep the newest 10,000 runs.
  m_tx.exec(render_sql(sql::etl_state_prune_runs, m_schema));
}

} // namespace acme::etl

#include "acme/etl/cdc_position.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <pqxx/pqxx>

namespace acme::etl {

CdcPosition::CdcPosition(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

std::optional<CdcPosition::Stored> CdcPosition::load(const std::string& slot) {
  const auto r = m_tx.exec_params(render_sql(sql::etl_state_load_cdc, m_schema), slot);
  if (r.empty()) {
    return std::nullopt;
  }
  return Stored{r[0][0].as<std::string>(), r[0][1].as<bool>()};
}

void CdcPosition::save(const std::string& slot, const std::string& applied_lsn) {
  m_tx.exec_params(render_sql(sql::etl_state_save_cdc, m_schema), slot, applied_lsn);
}

void CdcPosition::invalidate() {
  m_tx.exec(render_sql(sql::etl_state_invalidate_cdc, m_schema));
}

void CdcPosition::mark_snapshot_needed(const std::string& slot) {
  m_tx.exec_params(render_sql(sql::etl_state_snapshot_needed_cdc, m_schema), slot);
}

bool CdcPosition::advance(const std::string& slot, const std::string& lsn) {
  const auto r = m_tx.exec_params(render_sql(sql::etl_state_advance_cdc, m_schema), slot, lsn);
  return r.affected_rows() == 1;
}

} // namespace acme::etl

#include "acme/etl/cdc_position.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <pqxx/pqxx>

namespace acme::etl {

CdcPosition::CdcPosition(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

std::optional<CdcPosition::Stored> CdcPosition::load(const std::string& slot) {
  const auto r = m_tx.exec_params("SELECT applied_lsn::text, needs_snapshot FROM " +
                                      db::qualify(m_schema, "acme_cdc_state") + " WHERE slot = $1",
                                  slot);
  if (r.empty()) {
    return std::nullopt;
  }
  return Stored{r[0][0].as<std::string>(), r[0][1].as<bool>()};
}

void CdcPosition::save(const std::string& slot, const std::string& applied_lsn) {
  m_tx.exec_params(render_sql(sql::etl_state_save_cdc, m_schema), slot, applied_lsn);
}

void CdcPosition::invalidate() {
  m_tx.exec("UPDATE " + db::qualify(m_schema, "acme_cdc_state") +
            " SET needs_snapshot = true, updated_at = now() WHERE NOT needs_snapshot");
}

void CdcPosition::mark_snapshot_needed(const std::string& slot) {
  m_tx.exec_params("INSERT INTO " + db::qualify(m_schema, "acme_cdc_state") +
                       " (slot, applied_lsn, needs_snapshot) VALUES ($1, '0/0', true) ON CONFLICT "
                       "(slot) DO UPDATE SET needs_snapshot = true, updated_at = now()",
                   slot);
}

bool CdcPosition::advance(const std::string& slot, const std::string& lsn) {
  const auto r = m_tx.exec_params("UPDATE " + db::qualify(m_schema, "acme_cdc_state") +
                                      " SET applied_lsn = greatest(applied_lsn, $2::pg_lsn), "
                                      "updated_at = now() WHERE slot = $1 AND NOT needs_snapshot",
                                  slot, lsn);
  return r.affected_rows() == 1;
}

} // namespace acme::etl

#include "acme/cdc/slot.hpp"

#include "acme/sql/embedded.hpp"

#include <pqxx/pqxx>

namespace acme::cdc {

std::optional<SlotKind> slot_kind(pqxx::transaction_base& source, const std::string& slot) {
  const auto r = source.exec_params(std::string(sql::source_cdc_slot_kind), slot);
  if (r.empty()) {
    return std::nullopt;
  }
  return SlotKind{r[0][0].as<bool>(false), r[0][1].as<std::string>()};
}

} // namespace acme::cdc

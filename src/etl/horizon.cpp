#include "acme/etl/horizon.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <pqxx/pqxx>

namespace acme::etl {

bool time_zone_known(pqxx::connection& source, const std::string& zone) {
  if (zone.empty()) {
    return true;
  }
  try {
    pqxx::nontransaction(source).exec_params("SELECT now() AT TIME ZONE $1", zone);
    return true;
  } catch (const pqxx::sql_error& e) {
    if (db::sqlstate_of(e) == "22023") { // invalid_parameter_value: time zone not recognized
      return false;
    }
    throw;
  }
}

void require_time_zone(pqxx::connection& source, const std::string& zone) {
  if (!time_zone_known(source, zone)) {
    throw UsageError(fmt::format(
        "ACME_SOURCE_TIMEZONE (--source-timezone): the source server does not know the time "
        "zone '{}'; use a name from pg_timezone_names, e.g. UTC or Europe/Lisbon",
        zone));
  }
}

Horizon read_horizon(pqxx::connection& source, std::chrono::milliseconds lookback,
                     const std::string& time_zone) {
  pqxx::nontransaction tx(source, "acme horizon");
  const auto r = tx.exec_params(std::string(sql::source_horizon), time_zone,
                                static_cast<long long>(lookback.count()))[0];
  Horizon h;
  h.source_now = r["source_now"].as<std::string>();
  h.exact = r["sees_all"].as<bool>();
  if (!r["oldest_pid"].is_null()) {
    h.oldest_pid = r["oldest_pid"].as<long>();
    h.oldest_application = r["oldest_application"].as<std::string>();
    h.oldest_start = r["oldest_start"].as<std::string>();
  }
  h.time_zone = r["tz"].as<std::string>();
  const auto exact = r["exact_horizon"].as<std::string>();
  const auto lookback_ts = r["lookback_horizon"].as<std::string>();
  h.safe_ts = h.exact ? exact : std::min(exact, lookback_ts);
  // A separate statement, after the backends were sampled: see sql/source/horizon.sql (c).
  for (const auto& p : tx.exec(std::string(sql::source_prepared_xacts))) {
    h.prepared.push_back({p["xact"].as<std::string>(), p["gid"].as<std::string>(),
                          p["prepared_at"].as<std::string>(), p["owner"].as<std::string>()});
  }
  return h;
}

} // namespace acme::etl

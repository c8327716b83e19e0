#include "acme/etl/horizon.hpp"

#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <pqxx/pqxx>

namespace acme::etl {

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

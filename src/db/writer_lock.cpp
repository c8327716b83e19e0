#include "acme/db/writer_lock.hpp"

#include "acme/error.hpp"

#include <fmt/format.h>
#include <pqxx/nontransaction>

namespace acme::db {
namespace {
// First key of the two-key advisory lock: "acme" in ASCII, so other users of advisory locks
// in the same database are unlikely to collide with acme's.
constexpr int k_lock_class = 0x61636d65;
} // namespace

void acquire_writer_lock(pqxx::connection& conn, const std::string& schema) {
  pqxx::nontransaction tx(conn);
  // A holder that just disconnected may take a moment to release the lock: retry briefly.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto got = tx.exec_params("SELECT pg_try_advisory_lock($1, hashtext($2) & 2147483647)",
                                    k_lock_class, schema);
    if (got[0][0].as<bool>()) {
      return;
    }
    if (attempt < 4) {
      tx.exec("SELECT pg_sleep(0.1)");
    }
  }
  const auto holder = tx.exec_params(
      "SELECT a.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), 'local'), "
      "       to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') "
      "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 "
      "  AND l.objid::bigint = (hashtext($2) & 2147483647) AND l.objsubid = 2 LIMIT 1",
      k_lock_class, schema);
  if (holder.empty()) {
    throw LockedError(fmt::format(
        "another acme holds the writer lock on target schema '{}' (holder not visible to this "
        "role); try again when it finishes",
        schema));
  }
  const auto& h = holder[0];
  throw LockedError(fmt::format(
      "another acme holds the writer lock on target schema '{}': {} (server pid {}, from {}, "
      "connected since {}); try again when it finishes",
      schema, h[1].as<std::string>().empty() ? "unnamed session" : h[1].as<std::string>(),
      h[0].as<long>(), h[2].as<std::string>(), h[3].as<std::string>()));
}

} // namespace acme::db

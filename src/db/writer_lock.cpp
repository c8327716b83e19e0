#include "acme/db/writer_lock.hpp"

#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <fmt/format.h>
#include <optional>
#include <pqxx/nontransaction>
#include <spdlog/spdlog.h>
#include <thread>

namespace acme::db {
namespace {
// First key of the two-key advisory lock: "acme" in ASCII, so other users of advisory locks
// in the same database are unlikely to collide with acme's.
constexpr int k_lock_class = 0x61636d65;
constexpr auto k_poll = std::chrono::milliseconds(200);

// Who holds the lock, as one phrase; nullopt when this role cannot see the holder.
std::optional<std::string> describe_holder(pqxx::transaction_base& tx, const std::string& schema) {
  const auto holder = tx.exec_params(std::string(sql::db_writer_lock_holder), k_lock_class, schema);
  if (holder.empty()) {
    return std::nullopt;
  }
  const auto& h = holder[0];
  return fmt::format("{} (server pid {}, role {}, from {}, connected since {})",
                     h[1].as<std::string>().empty() ? "unnamed session" : h[1].as<std::string>(),
                     h[0].as<long>(), h[4].as<std::string>(), h[2].as<std::string>(),
                     h[3].as<std::string>());
}

} // namespace

std::optional<std::string> writer_lock_holder(pqxx::transaction_base& tx,
                                              const std::string& schema) {
  return describe_holder(tx, schema);
}

void acquire_writer_lock(pqxx::connection& conn, const std::string& schema,
                         std::chrono::milliseconds wait, const std::function<bool()>& should_stop) {
  pqxx::nontransaction tx(conn);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool announced = false;
  for (;;) {
    const auto got = tx.exec_params("SELECT pg_try_advisory_lock($1, hashtext($2) & 2147483647)",
                                    k_lock_class, schema);
    if (got[0][0].as<bool>()) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || (should_stop && should_stop())) {
      break;
    }
    if (!announced && wait >= std::chrono::seconds(1)) {
      spdlog::info("waiting up to {:g} s for the writer lock on target schema '{}', held by {}",
                   std::chrono::duration<double>(wait).count(), schema,
                   describe_holder(tx, schema).value_or("a session this role cannot see"));
      announced = true;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(k_poll, deadline - now));
  }
  const auto holder = describe_holder(tx, schema);
  if (!holder) {
    throw LockedError(fmt::format(
        "another acme holds the writer lock on target schema '{}' (holder not visible to this "
        "role); try again when it finishes",
        schema));
  }
  throw LockedError(fmt::format("another acme holds the writer lock on target schema '{}': {}; "
                                "try again when it finishes",
                                schema, *holder));
}

} // namespace acme::db

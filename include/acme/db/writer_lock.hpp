#pragma once

#include <chrono>
#include <functional>
#include <pqxx/connection>
#include <string>

namespace acme::db {

// Takes the session-level advisory lock that makes this connection the only acme writer of
// `schema` in the target database. The lock lives as long as the session. A killed acme's
// server backend keeps it until its current statement notices the dead client (acme's sessions
// set client_connection_check_interval, db/connection.cpp), so a holder may go away within
// seconds: wait up to `wait` for it, saying who holds it, then throw acme::LockedError naming
// the holder (pid, application, since when). `should_stop` is polled while waiting.
void acquire_writer_lock(pqxx::connection& conn, const std::string& schema,
                         std::chrono::milliseconds wait,
                         const std::function<bool()>& should_stop = {});

} // namespace acme::db

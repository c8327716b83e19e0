// The single-writer lock of a target schema: the session-level advisory lock that makes one acme
// process its only writer, and who holds it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
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

// Who holds the writer lock of `schema`, as one phrase ("application (server pid N, role r, from
// host, connected since ...)"); nullopt when nobody does or this role cannot see the holder.
// The lock's key is ("acme" in ASCII, hashtext(schema)): advisory locks are per database, so
// only two schemas of one database whose names hash alike could share it.
std::optional<std::string> writer_lock_holder(pqxx::transaction_base& tx,
                                              const std::string& schema);

} // namespace acme::db

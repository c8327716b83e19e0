#pragma once

#include <pqxx/connection>
#include <string>

namespace acme::db {

// Takes the session-level advisory lock that makes this connection the only acme writer of
// `schema` in the target database. The lock lives as long as the session, so a killed acme never
// leaves it behind. Throws acme::LockedError naming the holder (pid, application, since when).
void acquire_writer_lock(pqxx::connection& conn, const std::string& schema);

} // namespace acme::db

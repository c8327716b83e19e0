// The target schema's migrations: the ones embedded from sql/migrations/, applying those still
// pending, and reading the version the target is at.
#pragma once

#include <limits>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace acme::db {

// One migration: sql/migrations/NNNN_name.sql.
struct Migration {
  int version = 0;
  std::string name;
  std::string sql; // with {schema} placeholders
};

// The embedded migrations, ordered by version.
std::vector<Migration> embedded_migrations();

// Creates the target schema if needed and applies every pending migration, each in its own
// transaction recorded in <schema>.acme_schema_migrations. Idempotent. Throws acme::Fatal if the
// target holds migrations newer than this binary knows. Returns the versions applied now.
// `up_to`: apply none above this version (a test brings a target to an older version first).
std::vector<int> migrate(pqxx::connection& conn, const std::string& schema,
                         int up_to = std::numeric_limits<int>::max());

// The highest migration version recorded in the target, or 0 if none (no schema yet).
int current_version(pqxx::connection& conn, const std::string& schema);

} // namespace acme::db

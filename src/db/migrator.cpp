#include "acme/db/migrator.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <spdlog/spdlog.h>

namespace acme::db {

std::vector<Migration> embedded_migrations() {
  std::vector<Migration> out;
  constexpr std::string_view prefix = "migrations/";
  for (const auto& file : sql::k_files) {
    if (file.path.substr(0, prefix.size()) != prefix) {
      continue;
    }
    const std::string base(file.path.substr(prefix.size()));
    const auto underscore = base.find('_');
    Migration m;
    m.version = std::stoi(base.substr(0, underscore));
    m.name = base.substr(underscore + 1, base.size() - underscore - 5);
    m.sql = std::string(file.text);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

int current_version(pqxx::connection& conn, const std::string& schema) {
  pqxx::nontransaction tx(conn);
  const auto exists = tx.exec_params("SELECT to_regclass($1) IS NOT NULL",
                                     qualify(schema, "acme_schema_migrations"));
  if (!exists[0][0].as<bool>()) {
    return 0;
  }
  const auto r =
      tx.exec("SELECT COALESCE(max(version), 0) FROM " + qualify(schema, "acme_schema_migrations"));
  return r[0][0].as<int>();
}

std::vector<int> migrate(pqxx::connection& conn, const std::string& schema, int up_to) {
  const auto migrations = embedded_migrations();
  {
    pqxx::work tx(conn);
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists; a
    // least-privilege role that owns a pre-created schema must not need it.
    if (tx.exec_params("SELECT to_regnamespace($1) IS NULL", quote_ident(schema))[0][0]
            .as<bool>()) {
      tx.exec("CREATE SCHEMA " + quote_ident(schema));
    }
    tx.exec(with_schema(sql::db_schema_migrations, schema));
    tx.commit();
  }
  const int have = current_version(conn, schema);
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (have > known) {
    throw Fatal(fmt::format("the target schema '{}' is at migration {} but this acme only knows "
                            "up to {}: upgrade acme",
                            schema, have, known));
  }
  std::vector<int> applied;
  for (const auto& m : migrations) {
    if (m.version <= have || m.version > up_to) {
      continue;
    }
    pqxx::work tx(conn);
    tx.exec(with_schema(m.sql, schema));
    tx.exec_params(
        with_schema("INSERT INTO {schema}.acme_schema_migrations (version, name) VALUES ($1, $2)",
                    schema),
        m.version, m.name);
    tx.commit();
    spdlog::info("applied target migration {:04}_{} to schema {}", m.version, m.name, schema);
    applied.push_back(m.version);
  }
  return applied;
}

} // namespace acme::db

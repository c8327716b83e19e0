#include "acme/cdc/admin.hpp"

#include "acme/cdc/replication_connection.hpp"
#include "acme/cdc/slot.hpp"
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/error.hpp"
#include "acme/etl/tables.hpp"
#include "acme/sql/embedded.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::cdc {
namespace {

// The contract tables and the columns acme reads from each, as $3 of cdc_publication.sql.
std::string contract_json() {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& t : etl::k_tables) {
    auto columns = nlohmann::json::array();
    std::string_view list = t.columns;
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      while (!name.empty() && name.front() == ' ') {
        name.remove_prefix(1);
      }
      columns.push_back(std::string(name));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    j.push_back({{"table", std::string(t.source)}, {"columns", columns}});
  }
  return j.dump();
}

std::string joined(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& i : items) {
    out += (out.empty() ? "" : std::string(sep)) + i;
  }
  return out;
}

std::string application() {
  return fmt::format("acme cdc (pid {})", ::getpid());
}

} // namespace

std::optional<std::vector<std::string>> publication_gaps(pqxx::connection& source,
                                                         const config::Config& config) {
  pqxx::nontransaction tx(source, "acme cdc publication check");
  const auto rows = tx.exec_params(std::string(sql::source_cdc_publication), config.source_schema,
                                   config.cdc_publication, contract_json());
  std::vector<std::string> gaps;
  const auto& pub = config.cdc_publication;
  for (const auto& r : rows) {
    const auto name = db::qualify(config.source_schema, r["table_name"].as<std::string>());
    if (!r["publication_exists"].as<bool>()) {
      return std::nullopt;
    }
    if (!r["table_exists"].as<bool>()) {
      gaps.push_back(fmt::format("{} does not exist (or was re-created under another name)", name));
      continue;
    }
    if (!r["published"].as<bool>()) {
      gaps.push_back(fmt::format("publication {} does not publish {}", pub, name));
      continue;
    }
    if (!r["rowfilter"].is_null()) {
      gaps.push_back(fmt::format("publication {} publishes {} with a row filter ({})", pub, name,
                                 r["rowfilter"].as<std::string>()));
    }
    const auto unpublished = r["unpublished_columns"].as<std::string>();
    if (unpublished != "{}") {
      gaps.push_back(fmt::format("publication {} publishes {} without column(s) {}", pub, name,
                                 unpublished.substr(1, unpublished.size() - 2)));
    }
    if (!r["has_replica_identity"].as<bool>()) {
      gaps.push_back(fmt::format("{} has REPLICA IDENTITY {}, which acme cannot stream (FULL, or "
                                 "DEFAULT / USING INDEX of the primary key)",
                                 name, r["replica_identity"].as<std::string>("?")));
    }
    if (r["partitioned"].as<bool>() && !r["via_root"].as<bool>()) {
      gaps.push_back(fmt::format("{} is partitioned and publication {} lacks "
                                 "publish_via_partition_root = true (its changes would arrive "
                                 "under the partitions' names)",
                                 name, pub));
    }
  }
  if (!rows.empty() && !rows[0]["unpublished_actions"].is_null()) {
    const auto actions = rows[0]["unpublished_actions"].as<std::string>();
    if (!actions.empty()) {
      gaps.push_back(fmt::format("publication {} does not publish {}", pub, actions));
    }
  }
  return gaps;
}

std::vector<std::pair<std::string, std::string>>
unsupported_identities(pqxx::transaction_base& tx, const config::Config& config) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r :
       tx.exec_params(std::string(sql::source_cdc_publication), config.source_schema,
                      config.cdc_publication, contract_json())) {
    if (r["table_exists"].as<bool>() && !r["has_replica_identity"].as<bool>()) {
      out.emplace_back(r["table_name"].as<std::string>(),
                       r["replica_identity"].as<std::string>("?"));
    }
  }
  return out;
}

namespace {

// wal_level must be logical (else Fatal); a role without REPLICATION is a finding with its fix.
void check_source_server(pqxx::connection& source, SetupResult& result) {
  pqxx::nontransaction tx(source, "acme cdc setup");
  const auto r = tx.exec(std::string(sql::source_cdc_setup_server));
  const auto wal_level = r[0][0].as<std::string>();
  if (wal_level != "logical") {
    throw Fatal(fmt::format(
        "the source server runs with wal_level = {}: CDC needs wal_level = logical. A DBA must "
        "run ALTER SYSTEM SET wal_level = logical; and restart the server (max_replication_slots "
        "and max_wal_senders must also leave room for acme's slot and stream)",
        wal_level));
  }
  if (!r[0][2].as<bool>() && !r[0][3].as<bool>()) {
    const auto role = r[0][1].as<std::string>();
    result.findings.push_back(fmt::format(
        "role {} lacks the REPLICATION attribute: acme cannot create its slot or stream", role));
    result.sql += fmt::format("ALTER ROLE {} REPLICATION;\n", db::quote_ident(role));
  }
}

// What sql/source/cdc_publication.sql says of the publication and the four tables.
struct PublicationReview {
  std::vector<std::string> qualified;      // the four tables, schema-qualified
  std::vector<std::string> missing_tables; // not published by an existing publication
  std::vector<std::string> refill;         // published with a row filter or without columns
  bool exists = false;
  bool all_actions = true;
  bool replica_identity_ok = true;
};

PublicationReview review_publication(pqxx::connection& source, const config::Config& config,
                                     SetupResult& result) {
  PublicationReview review;
  pqxx::nontransaction tx(source, "acme cdc setup");
  const auto rows = tx.exec_params(std::string(sql::source_cdc_publication), config.source_schema,
                                   config.cdc_publication, contract_json());
  for (const auto& r : rows) {
    const auto table = r["table_name"].as<std::string>();
    const auto name = db::qualify(config.source_schema, table);
    review.qualified.push_back(name);
    review.exists = r["publication_exists"].as<bool>();
    review.all_actions =
        r["publishes_all_actions"].is_null() || r["publishes_all_actions"].as<bool>();
    if (!r["table_exists"].as<bool>()) {
      throw Fatal(fmt::format("source table {}.{} does not exist (check ACME_SOURCE_SCHEMA)",
                              config.source_schema, table));
    }
    if (!r["has_replica_identity"].as<bool>()) {
      review.replica_identity_ok = false;
      result.findings.push_back(fmt::format(
          "{} has REPLICA IDENTITY {}: acme needs FULL, or DEFAULT / USING INDEX of the primary "
          "key (NOTHING makes the source's UPDATE and DELETE fail once published; another "
          "identity index sends no primary key for a delete or a key change)",
          name, r["replica_identity"].as<std::string>("NOTHING")));
      result.sql += fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL;\n", name);
    }
    if (!review.exists) {
      continue;
    }
    if (!r["published"].as<bool>()) {
      review.missing_tables.push_back(name);
      continue;
    }
    std::vector<std::string> why;
    if (!r["rowfilter"].is_null()) {
      why.push_back("a row filter (" + r["rowfilter"].as<std::string>() + ")");
    }
    const auto unpublished = r["unpublished_columns"].as<std::string>();
    if (unpublished != "{}") {
      why.push_back("a column list without " + unpublished.substr(1, unpublished.size() - 2));
    }
    if (!why.empty()) {
      result.findings.push_back(fmt::format("publication {} publishes {} with {}: acme needs "
                                            "every row and column of it",
                                            config.cdc_publication, name, joined(why, " and ")));
      review.refill.push_back(name);
    }
  }
  return review;
}

// An existing publication is never altered by acme: what it misses becomes SQL for a DBA.
void advise_on_existing(const PublicationReview& review, const config::Config& config,
                        SetupResult& result) {
  const std::string pub = db::quote_ident(config.cdc_publication);
  if (!review.all_actions) {
    result.findings.push_back(
        fmt::format("publication {} does not publish every action: acme needs inserts, "
                    "updates, deletes and truncates",
                    config.cdc_publication));
    result.sql += fmt::format(
        "ALTER PUBLICATION {} SET (publish = 'insert, update, delete, truncate');\n", pub);
  }
  if (!review.missing_tables.empty()) {
    result.findings.push_back(fmt::format("publication {} does not publish {}",
                                          config.cdc_publication, joined(review.missing_tables)));
    result.sql +=
        fmt::format("ALTER PUBLICATION {} ADD TABLE {};\n", pub, joined(review.missing_tables));
  }
  for (const auto& t : review.refill) {
    result.sql += fmt::format("ALTER PUBLICATION {} DROP TABLE {};\n", pub, t);
    result.sql += fmt::format("ALTER PUBLICATION {} ADD TABLE {};\n", pub, t);
  }
  result.outcome =
      result.sql.empty() ? SetupResult::Outcome::complete : SetupResult::Outcome::needs_dba;
}

// Creates the publication when every table's identity allows it and the role may; otherwise the
// CREATE statement is SQL for a DBA.
void create_publication(pqxx::connection& source, const PublicationReview& review,
                        const config::Config& config, SetupResult& result) {
  const std::string create =
      fmt::format("CREATE PUBLICATION {} FOR TABLE {};\n", db::quote_ident(config.cdc_publication),
                  joined(review.qualified));
  if (!review.replica_identity_ok) {
    result.findings.push_back(fmt::format("publication {} does not exist", config.cdc_publication));
    result.sql += create;
    result.outcome = SetupResult::Outcome::needs_dba;
    return;
  }
  try {
    pqxx::work tx(source, "acme cdc setup");
    tx.exec(create);
    tx.commit();
    result.outcome =
        result.sql.empty() ? SetupResult::Outcome::created : SetupResult::Outcome::needs_dba;
    return;
  } catch (const pqxx::sql_error& e) {
    // Only the tables' owner (with CREATE on the database) may publish them, and acme's
    // least-privilege reader is read-only (default_transaction_read_only) besides.
    if (const auto state = db::sqlstate_of(e); state != "42501" && state != "25006") {
      throw;
    }
    result.findings.push_back(fmt::format(
        "the source role may not create publication {} (only the four tables' owner, with "
        "CREATE on the database and not read-only, may): {}",
        config.cdc_publication, one_line(e.what())));
  }
  result.sql += create;
  result.outcome = SetupResult::Outcome::needs_dba;
}

} // namespace

SetupResult setup_publication(const config::Config& config) {
  auto source = db::connect(config.source_dsn, "source", application());
  SetupResult result;
  check_source_server(*source, result);
  const auto review = review_publication(*source, config, result);
  if (review.exists) {
    advise_on_existing(review, config, result);
  } else {
    create_publication(*source, review, config, result);
  }
  return result;
}

DropSlotResult drop_slot(const config::Config& config, bool force) {
  const auto& slot = config.cdc_slot;
  DropSlotResult result;
  auto target = db::connect(config.target_dsn, "target", application());
  auto source = db::connect(config.source_dsn, "source", application());
  const auto state_table = db::qualify(config.target_schema, "acme_cdc_state");
  // Marks the record first and commits only after the drop: a stream that saves its state in
  // between waits for this row lock, and a failed drop changes nothing.
  pqxx::work ttx(*target, "acme cdc drop-slot");
  if (!ttx.exec_params("SELECT to_regclass($1) IS NOT NULL", state_table)[0][0].as<bool>()) {
    result.recorded = false;
  } else {
    result.recorded =
        ttx.exec_params(db::with_schema(sql::etl_state_forget_cdc_slot, config.target_schema), slot)
            .size() == 1;
  }
  if (!result.recorded && !force) {
    throw UsageError(fmt::format(
        "target schema {} has no record of replication slot '{}': acme drops only the slot it "
        "created for this target. Check ACME_CDC_SLOT and ACME_TARGET_SCHEMA, or pass --force "
        "if '{}' is an abandoned acme slot",
        config.target_schema, slot, slot));
  }
  pqxx::nontransaction stx(*source, "acme cdc drop-slot");
  const auto kind = slot_kind(stx, slot);
  const auto r = stx.exec_params(
      "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1", slot);
  if (!kind || r.empty()) {
    spdlog::info("replication slot '{}' does not exist on the source: nothing to drop", slot);
  } else {
    if (!kind->ours) {
      throw UsageError(fmt::format("replication slot '{}' is not acme's ({}): acme drops only its "
                                   "own pgoutput slot of the source database",
                                   slot, kind->kind));
    }
    if (r[0][0].as<bool>()) {
      throw LockedError(fmt::format(
          "replication slot '{}' is in use by process {} on the source (a running acme in cdc "
          "mode?): stop it first",
          slot, r[0][1].is_null() ? std::string("?") : r[0][1].as<std::string>()));
    }
    cdc::ReplicationConnection repl(config.source_dsn, application());
    repl.drop_slot(slot); // a stream that took the slot meanwhile: LockedError
    result.dropped = true;
  }
  ttx.commit();
  if (result.dropped) {
    spdlog::info("dropped replication slot '{}': the source no longer retains WAL for acme{}", slot,
                 result.recorded ? "; the next cdc start re-creates it from a fresh snapshot" : "");
  } else if (result.recorded) {
    spdlog::info("target schema {}: the next cdc start re-creates slot '{}' from a fresh snapshot",
                 config.target_schema, slot);
  }
  return result;
}

} // namespace acme::cdc

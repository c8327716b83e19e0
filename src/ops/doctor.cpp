#include "acme/ops/doctor.hpp"

#include "acme/cdc/admin.hpp"
#include "acme/cdc/replication_connection.hpp"
#include "acme/cdc/slot.hpp"
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/error.hpp"
#include "acme/etl/horizon.hpp"
#include "acme/etl/tables.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <pqxx/pqxx>

namespace acme::ops {
namespace {

const char* status_name(CheckStatus s) {
  switch (s) {
  case CheckStatus::ok:
    return "ok";
  case CheckStatus::warn:
    return "warn";
  case CheckStatus::fail:
    return "fail";
  }
  return "?";
}

// A fix kept in a SQL file, as doctor prints it: on one line, without the file's comment lines.
std::string one_line(std::string_view sql) {
  std::string out;
  while (!sql.empty()) {
    const auto end = sql.find('\n');
    std::string_view line = sql.substr(0, end);
    sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line.substr(first, 2) == "--") {
      continue;
    }
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    out += (out.empty() ? "" : " ") + std::string(line);
  }
  return out;
}

// A fix and a remark for whoever runs it, after the SQL as a comment.
std::string with_remark(const std::string& fix, std::string_view remark) {
  return fix + "  -- " + std::string(remark);
}

std::string bytes(long long n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  auto v = static_cast<double>(n);
  int u = 0;
  while (std::fabs(v) >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

// The contract (design.md §2) as format_type() prints it, table by table in load order.
const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>&
contract() {
  static const std::vector<std::pair<std::string, std::string>> audit{
      {"updated_at", "timestamp(3) without time zone"},
      {"updated_by", "bigint"},
      {"created_at", "timestamp(3) without time zone"},
      {"created_by", "bigint"}};
  auto with_audit = [](std::vector<std::pair<std::string, std::string>> cols) {
    cols.insert(cols.end(), audit.begin(), audit.end());
    return cols;
  };
  static const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      k{{"customers", with_audit({{"customer_id", "bigint"},
                                  {"customer_name", "character varying(500)"},
                                  {"is_active", "boolean"},
                                  {"customer_address", "character varying(500)"}})},
        {"products", with_audit({{"product_id", "bigint"},
                                 {"product_name", "character varying(500)"},
                                 {"barcode", "character varying(26)"},
                                 {"unity_price", "numeric"},
                                 {"is_active", "boolean"}})},
        {"orders", with_audit({{"order_id", "bigint"},
                               {"order_date", "date"},
                               {"delivery_date", "date"},
                               {"customer_id", "bigint"},
                               {"status", "character varying"}})},
        {"order_items", with_audit({{"order_item_id", "bigint"},
                                    {"order_id", "bigint"},
                                    {"product_id", "bigint"},
                                    {"quanity", "integer"}})}};
  return k;
}

// Text types of any length load into the target's TEXT alike.
std::string type_family(const std::string& t) {
  if (t.rfind("character varying", 0) == 0 || t == "text") {
    return "text";
  }
  return t;
}

// The facts of doctor_server.sql, plus this machine's clock around the query.
struct Server {
  pqxx::row row;
  double offset_s = 0.0; // server clock minus this machine's clock (midpoint of the round trip)
};

// What the contract query found of the four tables, sorted by what the source checks report.
struct SourceTables {
  std::vector<std::string> missing_tables;
  std::vector<std::string> missing_columns; // table.column
  std::vector<std::string> other_types;     // columns whose type is not the contract's
  std::vector<std::string> unreadable;      // tables the role may not SELECT
  std::vector<std::string> unindexed;       // tables without an index on updated_at
  std::vector<std::string> no_identity;     // cdc: "table (identity)" of unsupported identities
  std::vector<std::string> no_identity_tables;
  bool schema_usage = true;
};

// The contract as doctor_contract.sql takes it: {table: [[column, type], ...]}.
nlohmann::json contract_json() {
  nlohmann::json expected = nlohmann::json::object();
  for (const auto& [table, cols] : contract()) {
    auto arr = nlohmann::json::array();
    for (const auto& [name, type] : cols) {
      arr.push_back({name, type});
    }
    expected[table] = arr;
  }
  return expected;
}

// Sorts one table's rows of doctor_contract.sql (one per contract column) into `t`.
void sort_table(SourceTables& t, const std::string& table, const std::vector<pqxx::row>& found) {
  if (found.empty() || !found[0]["table_exists"].as<bool>()) {
    t.missing_tables.push_back(table);
    return;
  }
  t.schema_usage = t.schema_usage && found[0]["schema_usage"].as<bool>();
  if (!found[0]["can_select"].as<bool>()) {
    t.unreadable.push_back(table);
  }
  if (!found[0]["updated_at_indexed"].as<bool>()) {
    t.unindexed.push_back(table);
  }
  for (const auto& r : found) {
    const std::string col = r["column_name"].as<std::string>();
    if (r["actual_type"].is_null()) {
      t.missing_columns.push_back(table + "." + col);
    } else if (type_family(r["actual_type"].as<std::string>()) !=
               type_family(r["expected_type"].as<std::string>())) {
      t.other_types.push_back(fmt::format("{}.{} is {} (contract: {})", table, col,
                                          r["actual_type"].as<std::string>(),
                                          r["expected_type"].as<std::string>()));
    }
  }
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& x : v) {
    out += (out.empty() ? "" : sep) + x;
  }
  return out;
}

class Doctor {
public:
  explicit Doctor(const config::Config& config) : m_c(config), m_zone(config.source_timezone) {}

  DoctorReport run() {
    auto source = connect("source", m_c.source_dsn, "ACME_SOURCE_DSN", "--source-dsn");
    auto target = connect("target", m_c.target_dsn, "ACME_TARGET_DSN", "--target-dsn");
    std::optional<Server> src;
    std::optional<Server> tgt;
    if (source && !etl::time_zone_known(*source, m_zone)) {
      add("source time zone", CheckStatus::fail,
          fmt::format("ACME_SOURCE_TIMEZONE is '{}', a time zone the source server does not "
                      "know: every sync exits 2",
                      m_zone),
          "set ACME_SOURCE_TIMEZONE (--source-timezone) to a name from pg_timezone_names, e.g. "
          "UTC, or unset it to use the server's TimeZone");
      m_zone.clear(); // the other checks go on in the server's TimeZone
    }
    if (source) {
      src = server("source", *source);
    }
    if (target) {
      tgt = server("target", *target);
    }
    if (src) {
      source_checks(*source, *src);
    }
    if (src && tgt) {
      clocks(*src, *tgt);
    }
    if (tgt) {
      target_checks(*target);
    }
    if (src) {
      if (m_c.mode == config::SyncMode::cdc) {
        cdc_checks(*source, *src, target.get());
      } else {
        add("cdc", CheckStatus::ok,
            "not checked: mode poll (--mode cdc checks the replication "
            "setup)");
      }
    }
    return std::move(m_report);
  }

private:
  void add(std::string name, CheckStatus status, const std::string& detail, std::string fix = "") {
    m_report.checks.push_back({std::move(name), status, one_line(detail), std::move(fix)});
  }

  std::unique_ptr<pqxx::connection> connect(const std::string& which, const std::string& dsn,
                                            const char* env, const char* flag) {
    if (dsn.empty()) {
      add(which + " connection", CheckStatus::fail, "no " + which + " database configured",
          fmt::format("set {} (or {}) to a libpq URI or key=value string", env, flag));
      return nullptr;
    }
    try {
      auto conn = db::connect(dsn, which, "acme doctor");
      pqxx::nontransaction(*conn).exec("SET datestyle = ISO");
      return conn;
    } catch (const std::exception& e) {
      add(which + " connection", CheckStatus::fail, e.what(),
          fmt::format("check {} (host, port, database, user, password) and that the server "
                      "accepts acme's role (pg_hba.conf)",
                      env));
      return nullptr;
    }
  }

  Server server(const std::string& which, pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    const auto t0 = std::chrono::system_clock::now();
    auto r = tx.exec_params(std::string(sql::ops_doctor_server), m_zone);
    const auto t1 = std::chrono::system_clock::now();
    Server s{r[0], 0.0};
    const double mid =
        std::chrono::duration<double>((t0 + (t1 - t0) / 2).time_since_epoch()).count();
    s.offset_s = std::stod(s.row["clock_epoch"].as<std::string>()) - mid;
    const auto& row = s.row;
    const std::string who =
        fmt::format("PostgreSQL {} at {}, database {}, as {}", row["version"].c_str(),
                    row["server"].c_str(), row["database"].c_str(), row["role"].c_str());
    if (row["ssl"].as<bool>()) {
      add(which + " connection", CheckStatus::ok,
          fmt::format("{}; TLS in use ({})", who, row["ssl_version"].as<std::string>("?")));
    } else if (row["local"].as<bool>()) {
      add(which + " connection", CheckStatus::ok, who + "; no TLS (local connection)");
    } else {
      add(which + " connection", CheckStatus::warn, who + "; no TLS over the network",
          "add sslmode=verify-full (with sslrootcert) to the DSN, and ssl = on on the server");
    }
    const int num = row["version_num"].as<int>();
    if (num < 130000) {
      add(which + " version", CheckStatus::warn,
          fmt::format("PostgreSQL {}: acme is tested with 15; slot WAL safety "
                      "(max_slot_wal_keep_size, wal_status) needs 13 or later",
                      row["version"].c_str()),
          "upgrade the server to PostgreSQL 13 or later (15 recommended)");
    } else {
      add(which + " version", CheckStatus::ok,
          fmt::format("PostgreSQL {}", row["version"].c_str()));
    }
    return s;
  }

  void source_checks(pqxx::connection& conn, const Server& s) {
    const SourceTables t = source_tables(conn);
    const std::string role = db::quote_ident(s.row["role"].as<std::string>());
    contract_check(t);
    if (t.missing_tables.empty()) { // privileges of absent tables mean nothing
      privileges_check(t, role);
    }
    horizon_check(s, role);
    connections_check(s);
    time_zone_check(s);
    if (t.missing_tables.empty()) {
      index_check(t);
      if (m_c.mode == config::SyncMode::cdc && !t.no_identity.empty()) {
        identity_check(t);
      }
    }
  }

  SourceTables source_tables(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    // jsonb_each orders keys by length then bytes, not as given: order the answer ourselves.
    std::map<std::string, std::vector<pqxx::row>> by_table;
    const auto rows = tx.exec_params(std::string(sql::ops_doctor_contract), m_c.source_schema,
                                     contract_json().dump());
    for (const auto& r : rows) {
      by_table[r["table_name"].as<std::string>()].push_back(r);
    }
    SourceTables t;
    if (m_c.mode == config::SyncMode::cdc) {
      for (const auto& [table, identity] : cdc::unsupported_identities(tx, m_c)) {
        t.no_identity.push_back(fmt::format("{} ({})", table, identity));
        t.no_identity_tables.push_back(table);
      }
    }
    for (const auto& [table, cols] : contract()) {
      sort_table(t, table, by_table[table]);
    }
    return t;
  }

  void contract_check(const SourceTables& t) {
    if (!t.missing_tables.empty() || !t.missing_columns.empty()) {
      std::string what;
      if (!t.missing_tables.empty()) {
        what = "no table " + join(t.missing_tables) + " in schema " + m_c.source_schema;
      }
      if (!t.missing_columns.empty()) {
        what +=
            (what.empty() ? "" : "; ") + std::string("missing columns ") + join(t.missing_columns);
      }
      add("source contract", CheckStatus::fail, what,
          "point ACME_SOURCE_SCHEMA / ACME_SOURCE_DSN at the ACME orders database (design.md §2 "
          "lists the tables and columns acme reads)");
    } else if (!t.other_types.empty()) {
      add("source contract", CheckStatus::warn,
          "the four tables and their columns exist, but " + join(t.other_types, "; "),
          "acme loads these values as text into the contract's types; change the column types "
          "back to the contract's or check that every value converts");
    } else {
      add("source contract", CheckStatus::ok,
          fmt::format("{}.customers, products, orders, order_items with every contract column "
                      "and type",
                      m_c.source_schema));
    }
  }

  void privileges_check(const SourceTables& t, const std::string& role) {
    if (t.schema_usage && t.unreadable.empty()) {
      add("source privileges", CheckStatus::ok,
          "SELECT on the four tables; READ ONLY snapshots need nothing else");
      return;
    }
    const std::string schema = db::quote_ident(m_c.source_schema);
    std::string fix;
    if (!t.schema_usage) {
      fix = fmt::format("GRANT USAGE ON SCHEMA {} TO {}; ", schema, role);
    }
    std::vector<std::string> names;
    for (const auto& table : t.unreadable) {
      names.push_back(schema + "." + db::quote_ident(table));
    }
    if (!names.empty()) {
      fix += fmt::format("GRANT SELECT ON {} TO {};", join(names), role);
    }
    add("source privileges", CheckStatus::fail,
        !t.schema_usage ? "no USAGE on schema " + m_c.source_schema
                        : "may not SELECT " + join(t.unreadable),
        fix + "  -- or run sql/roles/source_reader.psql");
  }

  void horizon_check(const Server& s, const std::string& role) {
    if (s.row["sees_all"].as<bool>()) {
      add("late-commit horizon", CheckStatus::ok,
          "exact: the role sees every session's transaction start (pg_read_all_stats)");
    } else {
      add("late-commit horizon", CheckStatus::warn,
          fmt::format("lookback of {} s: without pg_read_all_stats the role cannot see other "
                      "sessions' transactions, so every cycle re-reads that window and a "
                      "transaction open longer can be missed",
                      m_c.lookback.count() / 1000),
          fmt::format("GRANT pg_read_all_stats TO {};", role));
    }
  }

  // A full load opens ACME_JOBS source sessions besides acme's own.
  void connections_check(const Server& s) {
    long free = s.row["free_connections"].as<long>();
    const long role_limit = s.row["role_connection_limit"].as<long>();
    if (role_limit >= 0) {
      free = std::min(free, role_limit - s.row["role_sessions"].as<long>());
    }
    const long needed = m_c.jobs + 1;
    const std::string what =
        fmt::format("a full load opens {} source sessions (ACME_JOBS={} plus one), each reading "
                    "with work_mem 128 MB; the source has {} free connection(s) for this role",
                    needed, m_c.jobs, free);
    if (needed > free) {
      add("source connections", CheckStatus::warn, what,
          fmt::format("set ACME_JOBS={} or lower", std::max(1L, free - 1)));
    } else {
      add("source connections", CheckStatus::ok, what);
    }
  }

  void time_zone_check(const Server& s) {
    const std::string tz = s.row["writer_time_zone"].as<std::string>();
    const std::string tz_from = m_zone.empty() ? "the server's TimeZone" : "ACME_SOURCE_TIMEZONE";
    if (m_zone != m_c.source_timezone) {
      // failed above: ACME_SOURCE_TIMEZONE names no zone the server knows (m_zone cleared)
    } else if (s.row["writer_zone_has_dst"].as<bool>()) {
      add("source time zone", CheckStatus::warn,
          fmt::format("updated_at is taken to be in {} ({}), which has daylight saving time: "
                      "rows written in the repeated autumn hour are stamped behind the cursors",
                      tz, tz_from),
          fmt::format("have the writers use UTC (ALTER DATABASE ... SET timezone = 'UTC') and "
                      "set ACME_SOURCE_TIMEZONE to match; until then run acme run-etl --full "
                      "after the clocks go back"));
    } else {
      add("source time zone", CheckStatus::ok,
          fmt::format("updated_at is taken to be in {} ({}), without daylight saving time", tz,
                      tz_from));
    }
  }

  void index_check(const SourceTables& t) {
    if (m_c.mode == config::SyncMode::cdc) {
      add("updated_at index", CheckStatus::ok,
          "not needed: CDC mode reads the change stream, not the tables");
      return;
    }
    if (t.unindexed.empty()) {
      add("updated_at index", CheckStatus::ok,
          "every table has an index on updated_at: polls read only the changed rows");
      return;
    }
    const std::string schema = db::quote_ident(m_c.source_schema);
    std::vector<std::string> sqls;
    for (const auto& table : t.unindexed) {
      std::string pk;
      for (const auto& spec : etl::k_tables) {
        if (spec.source == table) {
          pk = std::string(spec.pk);
        }
      }
      sqls.push_back(fmt::format("CREATE INDEX CONCURRENTLY ON {}.{} (updated_at, {});", schema,
                                 db::quote_ident(table), db::quote_ident(pk)));
    }
    add("updated_at index", CheckStatus::warn,
        "cost: no index on updated_at in " + join(t.unindexed) +
            ", so every poll scans these tables whole (acme never creates objects in the "
            "source)",
        join(sqls, " ") + "  -- by the DBA; or use --mode cdc");
  }

  void identity_check(const SourceTables& t) {
    const std::string schema = db::quote_ident(m_c.source_schema);
    std::vector<std::string> sqls;
    for (const auto& table : t.no_identity_tables) {
      sqls.push_back(
          fmt::format("ALTER TABLE {}.{} REPLICA IDENTITY FULL;", schema, db::quote_ident(table)));
    }
    add("replica identity", CheckStatus::fail,
        "replica identity not supported by cdc on " + join(t.no_identity) +
            ": acme needs FULL, or DEFAULT / USING INDEX of the primary key (NOTHING makes "
            "UPDATE and DELETE fail once published; another identity index sends no primary "
            "key for a delete or a key change, so the old row would stay in the target)",
        join(sqls, " "));
  }

  void clocks(const Server& src, const Server& tgt) {
    const double skew = src.offset_s - tgt.offset_s;
    const std::string detail =
        fmt::format("source {} UTC, target {} UTC: source minus target {:+.3f} s",
                    src.row["clock_utc"].c_str(), tgt.row["clock_utc"].c_str(), skew);
    if (std::fabs(skew) > 2.0) {
      add("clock skew", CheckStatus::warn, detail + " (lag figures and synced_at disagree)",
          "synchronize both servers' clocks (chrony or systemd-timesyncd against the same NTP "
          "servers)");
    } else {
      add("clock skew", CheckStatus::ok, detail);
    }
  }

  void target_checks(pqxx::connection& conn) {
    pqxx::row r;
    std::string role;
    {
      pqxx::nontransaction tx(conn);
      r = tx.exec_params(std::string(sql::ops_doctor_target), m_c.target_schema)[0];
      role = tx.exec("SELECT current_user")[0][0].as<std::string>();
    }
    const bool schema_exists = r["schema_exists"].as<bool>();
    target_schema_check(conn, r, role);
    temp_file_check(r, role);
    const auto version = migrations_check(conn, schema_exists);
    if (version && *version >= 1) {
      closed_statuses_check(conn);
    }
  }

  void target_schema_check(pqxx::connection& conn, const pqxx::row& r, const std::string& role) {
    const std::string& schema = m_c.target_schema;
    if (!r["schema_exists"].as<bool>()) {
      if (r["can_create_schema"].as<bool>()) {
        add("target schema", CheckStatus::ok,
            fmt::format("{} does not exist yet; acme migrate (or the first run-etl) creates it",
                        schema));
      } else {
        add("target schema", CheckStatus::fail,
            fmt::format("{} does not exist and {} may not create it", schema, role),
            fmt::format("CREATE SCHEMA {} AUTHORIZATION {};", db::quote_ident(schema),
                        db::quote_ident(role)));
      }
    } else if (!r["acts_as_owner"].as<bool>()) {
      add("target schema", CheckStatus::fail,
          fmt::format("{} is owned by {}, not by acme's role {}: migrations and the merge need "
                      "the owner's rights",
                      schema, r["owner"].as<std::string>(), role),
          db::render(one_line(sql::ops_doctor_fix_schema_owner),
                     {{"schema", db::quote_ident(schema)},
                      {"role", db::quote_ident(role)},
                      {"schema_lit", conn.quote(db::quote_ident(schema))},
                      {"role_lit", conn.quote(role)}}));
    } else {
      add("target schema", CheckStatus::ok,
          fmt::format("{} owned by {}", schema, r["owner"].as<std::string>()));
    }
  }

  // The full load's index builds sort in 16 MB runs kept in temporary files (parallel_load.cpp):
  // about 30 bytes per item for the largest one, in one session.
  void temp_file_check(const pqxx::row& r, const std::string& role) {
    const std::string temp_files = "a full load's index builds write their sort runs to temporary "
                                   "files (about 30 bytes per item: 150 MB at 5.2 million items)";
    const auto temp_file_limit = r["temp_file_limit"].as<std::string>();
    if (temp_file_limit == "-1") {
      add("target temp_file_limit", CheckStatus::ok, "no limit: " + temp_files);
    } else {
      add("target temp_file_limit", CheckStatus::warn,
          fmt::format("{} per session: {}; a build over the limit fails the load, which then "
                      "changes nothing",
                      temp_file_limit, temp_files),
          with_remark(fmt::format("ALTER ROLE {} SET temp_file_limit = -1;", db::quote_ident(role)),
                      "or a size above 30 bytes x the source's items"));
    }
  }

  // The target's migration level (0: no schema yet), or nullopt when it cannot be read.
  std::optional<int> migrations_check(pqxx::connection& conn, bool schema_exists) {
    const int latest = db::embedded_migrations().back().version;
    int version = 0;
    if (schema_exists) {
      try {
        version = db::current_version(conn, m_c.target_schema);
      } catch (const std::exception& e) {
        add("target migrations", CheckStatus::fail,
            std::string("cannot read the migration level: ") + e.what(),
            "make acme's role the schema's owner (above)");
        return std::nullopt;
      }
    }
    if (version == 0) {
      add("target migrations", CheckStatus::ok,
          fmt::format("none yet: acme migrate (or the first run) applies 1 to {}", latest));
    } else if (version == latest) {
      add("target migrations", CheckStatus::ok,
          fmt::format("at migration {}, the latest", version));
    } else if (version < latest) {
      add("target migrations", CheckStatus::warn,
          fmt::format("at migration {}; this acme brings it to {} at its next run", version,
                      latest),
          "acme migrate (run-etl and run-continuous-etl also do it)");
    } else {
      add("target migrations", CheckStatus::fail,
          fmt::format("at migration {}, newer than this acme knows ({})", version, latest),
          "upgrade acme to the version that wrote this target");
    }
    return version;
  }

  // The configured closed statuses against those the target was computed with.
  void closed_statuses_check(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    auto wanted = m_c.closed_statuses;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    const auto stored = tx.exec_params(
        db::with_schema("SELECT value::text FROM {schema}.acme_settings WHERE key = $1",
                        m_c.target_schema),
        "closed_statuses");
    const std::string configured = nlohmann::json(wanted).dump();
    if (stored.empty()) {
      add("closed statuses", CheckStatus::ok,
          "configured " + configured + "; the first sync records them");
      return;
    }
    const auto have = nlohmann::json::parse(stored[0][0].as<std::string>());
    if (have != nlohmann::json(wanted)) {
      add("closed statuses", CheckStatus::warn,
          fmt::format("configured {} but the target was computed with {}: the next sync "
                      "recomputes is_open of every order",
                      configured, have.dump()),
          fmt::format("intended? otherwise set ACME_CLOSED_STATUSES={}", [&] {
            std::string out;
            for (const auto& s : have) {
              out += (out.empty() ? "" : ",") + s.get<std::string>();
            }
            return out;
          }()));
      return;
    }
    unseen_statuses_check(tx, wanted, configured);
  }

  // Closed statuses, as configured and stored, that no order of a non-empty target has.
  void unseen_statuses_check(pqxx::transaction_base& tx, const std::vector<std::string>& wanted,
                             const std::string& configured) {
    const std::string& schema = m_c.target_schema;
    const auto unseen = tx.exec_params(db::with_schema(sql::ops_doctor_unseen_statuses, schema),
                                       db::text_array(wanted));
    if (!unseen.empty()) {
      std::string names;
      for (const auto& u : unseen) {
        names += (names.empty() ? "" : ", ") + u[0].as<std::string>();
      }
      add("closed statuses", CheckStatus::warn,
          fmt::format("{} as configured and stored, but no order has status {} (misspelled?)",
                      configured, names),
          "check ACME_CLOSED_STATUSES against SELECT DISTINCT status FROM orders");
    } else {
      add("closed statuses", CheckStatus::ok, configured + ", as the target was computed with");
    }
  }

  void cdc_checks(pqxx::connection& conn, const Server& s, pqxx::connection* target) {
    const auto& row = s.row;
    const std::string role = db::quote_ident(row["role"].as<std::string>());
    const std::string wal_level = row["wal_level"].as<std::string>();
    if (wal_level == "logical") {
      add("cdc wal_level", CheckStatus::ok,
          fmt::format("logical (max_replication_slots {}, max_wal_senders {})",
                      row["max_replication_slots"].as<int>(), row["max_wal_senders"].as<int>()));
    } else {
      add("cdc wal_level", CheckStatus::fail,
          "wal_level is " + wal_level + ": logical decoding needs logical",
          "ALTER SYSTEM SET wal_level = logical;  -- then restart the source server");
    }
    if (row["replication"].as<bool>() || row["superuser"].as<bool>()) {
      add("cdc replication role", CheckStatus::ok,
          row["role"].as<std::string>() + " has the REPLICATION attribute");
    } else {
      add("cdc replication role", CheckStatus::fail,
          row["role"].as<std::string>() +
              " lacks the REPLICATION attribute: it cannot create or stream a slot (its logical "
              "replication connection then matches pg_hba.conf's lines for the source database "
              "like any session; add no 'host replication' line, which admits physical "
              "replication of the whole cluster)",
          fmt::format("ALTER ROLE {} WITH REPLICATION;", role));
    }
    if (row["replication"].as<bool>() || row["superuser"].as<bool>()) {
      replication_connection(row["role"].as<std::string>());
    }
    publication(conn);
    slot(conn, target);
    const std::string keep = row["max_slot_wal_keep_size"].as<std::string>("");
    if (keep.empty()) {
      add("cdc max_slot_wal_keep_size", CheckStatus::warn,
          "not available before PostgreSQL 13: a slot acme leaves behind keeps WAL for ever",
          "upgrade to PostgreSQL 13+; meanwhile acme cdc drop-slot when you stop using CDC");
    } else if (keep == "-1") {
      add("cdc max_slot_wal_keep_size", CheckStatus::warn,
          "-1: a slot that is not consumed (acme stopped) retains WAL until the disk is full",
          with_remark("ALTER SYSTEM SET max_slot_wal_keep_size = '50GB'; SELECT pg_reload_conf();",
                      "a size the WAL disk can hold"));
    } else {
      add("cdc max_slot_wal_keep_size", CheckStatus::ok,
          keep + ": a stalled slot is invalidated before it fills the disk");
    }
  }

  // Whether pg_hba.conf, the REPLICATION attribute and max_wal_senders let acme open a logical
  // replication connection (replication=database): open one, as the stream does. Such a
  // connection matches the source database's ordinary pg_hba.conf lines, never the
  // `replication` keyword (that one admits physical replication only).
  void replication_connection(const std::string& role) {
    try {
      cdc::ReplicationConnection rc(m_c.source_dsn, "acme doctor", std::chrono::seconds(10));
      const auto id = rc.identify_system();
      add("cdc replication connection", CheckStatus::ok,
          fmt::format("accepted (IDENTIFY_SYSTEM: system {}, timeline {}, database {})",
                      id.system_id, id.timeline, id.database));
    } catch (const std::exception& e) {
      add("cdc replication connection", CheckStatus::fail, e.what(),
          fmt::format("admit {} to the source database in its pg_hba.conf (host <source "
                      "database> {} <acme's address>/32 scram-sha-256: logical replication "
                      "matches database lines; a 'host replication' line would only admit "
                      "physical replication of the whole cluster), then SELECT "
                      "pg_reload_conf(); check max_wal_senders > 0",
                      role, role));
    }
  }

  void publication(pqxx::connection& conn) {
    const std::string pub = m_c.cdc_publication;
    std::vector<std::string> tables;
    for (const auto& t : etl::k_tables) {
      tables.emplace_back(t.source);
    }
    pqxx::nontransaction tx(conn);
    const auto rows = tx.exec_params(std::string(sql::ops_doctor_publication), pub,
                                     m_c.source_schema, db::text_array(tables));
    const std::string schema = db::quote_ident(m_c.source_schema);
    std::string all;
    for (const auto& t : tables) {
      all += (all.empty() ? "" : ", ") + schema + "." + db::quote_ident(t);
    }
    if (!rows[0]["publication_exists"].as<bool>()) {
      add("cdc publication", CheckStatus::fail, "publication " + pub + " does not exist",
          with_remark(fmt::format("CREATE PUBLICATION {} FOR TABLE {};", db::quote_ident(pub), all),
                      "as the tables' owner, or run acme cdc setup"));
      return;
    }
    std::vector<std::string> missing;
    std::vector<std::string> filtered;
    for (const auto& r : rows) {
      const std::string t = r["table_name"].as<std::string>();
      if (!r["published"].as<bool>()) {
        missing.push_back(schema + "." + db::quote_ident(t));
      } else if (!r["row_filter"].is_null() || !r["column_list"].is_null()) {
        // A column list that names every column is printed too; only a filter or a list that
        // leaves out contract columns matters, and both are rare: report, let the DBA judge.
        if (!r["row_filter"].is_null()) {
          filtered.push_back(t + " (row filter " + r["row_filter"].as<std::string>() + ")");
        }
      }
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) {
        names += (names.empty() ? "" : ", ") + m;
      }
      add("cdc publication", CheckStatus::fail, "publication " + pub + " does not publish " + names,
          fmt::format("ALTER PUBLICATION {} ADD TABLE {};", db::quote_ident(pub), names));
    } else if (!rows[0]["all_actions"].as<bool>()) {
      add("cdc publication", CheckStatus::fail,
          "publication " + pub +
              " does not publish every action (insert, update, delete, "
              "truncate): acme would miss changes",
          fmt::format("ALTER PUBLICATION {} SET (publish = 'insert, update, delete, truncate');",
                      db::quote_ident(pub)));
    } else if (!filtered.empty()) {
      std::string names;
      for (const auto& f : filtered) {
        names += (names.empty() ? "" : "; ") + f;
      }
      add("cdc publication", CheckStatus::fail,
          "publication " + pub + " filters rows: " + names + ": the target would miss rows",
          with_remark(fmt::format("CREATE PUBLICATION acme_cdc FOR TABLE {};", all),
                      "then set ACME_CDC_PUBLICATION=acme_cdc"));
    } else {
      add("cdc publication", CheckStatus::ok,
          fmt::format("{} publishes the four tables{} (every action)", pub,
                      rows[0]["all_tables"].as<bool>() ? " (FOR ALL TABLES)" : ""));
    }
  }

  void slot(pqxx::connection& conn, pqxx::connection* target) {
    const std::string slot = m_c.cdc_slot;
    pqxx::nontransaction tx(conn);
    const auto rows = tx.exec_params(std::string(sql::ops_doctor_slot), slot);
    std::optional<bool> recorded; // whether the target has a stream position for the slot
    if (target != nullptr) {
      try {
        if (db::current_version(*target, m_c.target_schema) >= 3) {
          pqxx::nontransaction ttx(*target);
          const std::string q = "SELECT 1 FROM {schema}.acme_cdc_state WHERE slot = $1";
          recorded = !ttx.exec_params(db::with_schema(q, m_c.target_schema), slot).empty();
        } else {
          recorded = false;
        }
      } catch (const std::exception&) {
        // The target checks above say why the target cannot be read.
      }
    }
    if (rows.empty()) {
      add("cdc slot", CheckStatus::ok,
          "slot " + slot +
              " does not exist yet: the first CDC start creates it (with a "
              "snapshot hand-off)");
      return;
    }
    const auto& r = rows[0];
    const auto kind = cdc::slot_kind(tx, slot);
    if (kind && !kind->ours) {
      add("cdc slot", CheckStatus::fail,
          fmt::format("slot {} exists but is not a pgoutput slot of this database ({}): another "
                      "consumer's",
                      slot, kind->kind),
          "set ACME_CDC_SLOT to a name of acme's own");
      return;
    }
    const long long retained = r["retained_bytes"].as<long long>(0);
    const long long unconfirmed = r["unconfirmed_bytes"].as<long long>(0);
    const std::string wal_status = r["wal_status"].as<std::string>("unknown");
    const std::string detail = fmt::format(
        "slot {} {}, retains {} of WAL ({} not yet confirmed), wal_status {}{}", slot,
        r["active"].as<bool>() ? fmt::format("active (pid {})", r["active_pid"].as<int>(0))
                               : std::string("inactive"),
        bytes(retained), bytes(unconfirmed), wal_status,
        r["safe_wal_size"].is_null()
            ? std::string()
            : ", " + bytes(r["safe_wal_size"].as<long long>()) + " until it is invalidated");
    if (recorded.has_value() && !*recorded) {
      add("cdc slot", CheckStatus::fail,
          detail + "; the target has no record of it: not acme's (acme never takes over a slot)",
          fmt::format("if it is a leftover of this acme: acme cdc drop-slot; otherwise set "
                      "ACME_CDC_SLOT to another name"));
    } else if (wal_status == "lost") {
      add("cdc slot", CheckStatus::fail, detail + ": the slot lost WAL it needed",
          "nothing to do by hand: the next CDC start re-creates the slot and resyncs from a "
          "snapshot (or acme cdc drop-slot now)");
    } else if (wal_status == "unreserved" ||
               (!r["active"].as<bool>() && retained > 1024LL * 1024 * 1024)) {
      add("cdc slot", CheckStatus::warn, detail + ": nobody is consuming it",
          "start acme (run-continuous-etl --mode cdc), or acme cdc drop-slot if CDC is no longer "
          "used");
    } else {
      add("cdc slot", CheckStatus::ok, detail);
    }
  }

  const config::Config& m_c;
  // The writers' time zone the checks use ('' = the server's); cleared when
  // ACME_SOURCE_TIMEZONE names a zone the source does not know.
  std::string m_zone;
  DoctorReport m_report;
};

} // namespace

bool DoctorReport::failed() const {
  return std::any_of(checks.begin(), checks.end(),
                     [](const Check& c) { return c.status == CheckStatus::fail; });
}

std::string DoctorReport::to_text() const {
  std::string out;
  int counts[3] = {0, 0, 0};
  for (const auto& c : checks) {
    ++counts[static_cast<int>(c.status)];
    out += fmt::format("{:<5} {}: {}", status_name(c.status), c.name, c.detail);
    if (!c.fix.empty()) {
      out += " -- fix: " + c.fix;
    }
    out += '\n';
  }
  out += fmt::format("{} ok, {} warn, {} fail\n", counts[0], counts[1], counts[2]);
  return out;
}

nlohmann::json DoctorReport::to_json() const {
  nlohmann::json j;
  j["checks"] = nlohmann::json::array();
  int counts[3] = {0, 0, 0};
  for (const auto& c : checks) {
    ++counts[static_cast<int>(c.status)];
    j["checks"].push_back(
        {{"check", c.name},
         {"status", status_name(c.status)},
         {"detail", c.detail},
         {"fix", c.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.fix)}});
  }
  j["ok"] = counts[0];
  j["warn"] = counts[1];
  j["fail"] = counts[2];
  return j;
}

DoctorReport run_doctor(const config::Config& config) {
  return Doctor(config).run();
}

} // namespace acme::ops

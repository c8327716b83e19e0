// acme doctor against the real clusters: a healthy setup, and one broken thing at a time, each
// giving its line (with the fix) and the exit code.
#include "acme/db/connection.hpp"
#include "acme/sql/embedded.hpp"
#include "support/pg.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace {

using acme::db::quote_ident;

void exec_on(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

// Pastes the fix of `check`'s line into psql as a superuser of `dsn`'s cluster would (a file
// of statements run one by one, so CREATE INDEX CONCURRENTLY works, comments ignored).
void paste_fix(const std::string& dsn, const std::string& line) {
  const auto at = line.find(" -- fix: ");
  ASSERT_NE(at, std::string::npos) << line;
  const auto file = std::filesystem::temp_directory_path() / acme::test::unique_name("fix.sql");
  std::ofstream(file) << line.substr(at + 9) << "\n";
  const auto r = acme::test::run_process(
      {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", file.string()});
  std::filesystem::remove(file);
  EXPECT_EQ(r.exit_code, 0) << "the fix did not run as printed: " << line << "\n" << r.err;
}

// The line of `check` in doctor's text output ("" if absent).
std::string line_of(const std::string& out, const std::string& check) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    const auto end = out.find('\n', pos);
    const std::string line = out.substr(pos, end == std::string::npos ? end : end - pos);
    if (line.size() > 6 && line.compare(6, check.size() + 1, check + ":") == 0) {
      return line;
    }
    if (end == std::string::npos) {
      break;
    }
    pos = end + 1;
  }
  return "";
}

class Doctor : public acme::test::PgTest {
protected:
  void SetUp() override {
    PgTest::SetUp();
    m_publication = acme::test::unique_name("pub");
    m_slot = acme::test::unique_name("slot");
  }

  void TearDown() override {
    for (const auto& [dsn, role] : m_roles) {
      try {
        exec_on(dsn, fmt::format("DROP OWNED BY {r}; DROP ROLE IF EXISTS {r}",
                                 fmt::arg("r", quote_ident(role))));
      } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping role " << role << ": " << e.what();
      }
    }
    if (!m_extra_schema.empty()) {
      exec_on(acme::test::target_dsn(),
              "DROP SCHEMA IF EXISTS " + quote_ident(m_extra_schema) + " CASCADE");
    }
    src_exec("DROP PUBLICATION IF EXISTS " + quote_ident(m_publication));
    PgTest::TearDown();
  }

  acme::test::ProcessResult doctor(std::vector<std::string> args,
                                   std::vector<std::string> env = {}) const {
    args.insert(args.begin(), "doctor");
    env.insert(env.begin(), {"ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
    return acme(args, env);
  }

  void create_publication() {
    src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {s}.customers, {s}.products, "
                         "{s}.orders, {s}.order_items",
                         quote_ident(m_publication), fmt::arg("s", quote_ident(m_source_schema))));
  }

  // A login role on the cluster of `dsn`, dropped when the test ends.
  std::string create_role(const std::string& dsn, const std::string& suffix) {
    const std::string role = acme::test::unique_name(suffix);
    exec_on(dsn, "CREATE ROLE " + quote_ident(role) + " LOGIN PASSWORD '" +
                     acme::test::k_test_role_password + "'");
    m_roles.emplace_back(dsn, role);
    return role;
  }

  std::string m_publication;
  std::string m_slot;
  std::string m_extra_schema;
  std::vector<std::pair<std::string, std::string>> m_roles;
};

TEST_F(Doctor, HealthyCdcSetupExitsZeroWithoutFailures) {
  create_publication();
  const auto r = doctor({"--mode", "cdc"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" 0 fail\n"), std::string::npos) << r.out;
  for (const auto* check :
       {"source connection", "target connection", "source contract", "source privileges",
        "late-commit horizon", "clock skew", "target schema", "cdc wal_level",
        "cdc replication role", "cdc replication connection", "cdc publication", "cdc slot",
        "cdc max_slot_wal_keep_size"}) {
    EXPECT_NE(line_of(r.out, check), "") << check << " missing:\n" << r.out;
  }
  EXPECT_EQ(line_of(r.out, "cdc publication").rfind("ok", 0), 0u) << r.out;
  EXPECT_EQ(line_of(r.out, "late-commit horizon").rfind("ok", 0), 0u) << r.out;
  EXPECT_EQ(line_of(r.out, "cdc replication connection").rfind("ok", 0), 0u) << r.out;

  const auto j = doctor({"--mode", "cdc", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["fail"], 0);
  EXPECT_GE(doc["checks"].size(), 12u);
  for (const auto& c : doc["checks"]) {
    EXPECT_EQ(c["fix"].is_null(), c["status"] == "ok") << c.dump();
  }
}

TEST_F(Doctor, PollModeOnHealthySetupExitsZeroAndHintsAtTheUpdatedAtIndex) {
  const auto r = doctor({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      line_of(r.out, "target temp_file_limit").rfind("ok    target temp_file_limit: no limit", 0),
      0u)
      << r.out;
  const auto line = line_of(r.out, "updated_at index");
  EXPECT_EQ(line.rfind("warn", 0), 0u) << r.out;
  EXPECT_NE(line.find(fmt::format("CREATE INDEX CONCURRENTLY ON {}.\"orders\" (updated_at, "
                                  "\"order_id\");",
                                  quote_ident(m_source_schema))),
            std::string::npos)
      << line;
  paste_fix(acme::test::source_dsn(), line);
  const auto after = doctor({});
  EXPECT_EQ(line_of(after.out, "updated_at index").rfind("ok", 0), 0u) << after.out;
}

// A full load's index builds write their sort runs to temporary files: a session limit on them
// is a warning with the role-level fix (set here for acme's sessions through PGOPTIONS).
TEST_F(Doctor, TempFileLimitOnTheTargetWarnsThatAFullLoadNeedsTemporaryFiles) {
  const auto r = doctor({}, {"PGOPTIONS=-c temp_file_limit=1MB"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto line = line_of(r.out, "target temp_file_limit");
  EXPECT_EQ(line.rfind("warn  target temp_file_limit: 1MB per session", 0), 0u) << r.out;
  EXPECT_NE(line.find("SET temp_file_limit = -1;"), std::string::npos) << line;

  // A role-level limit, and its fix pasted.
  const std::string role = create_role(acme::test::target_dsn(), "tmplimit");
  tgt_exec(fmt::format("ALTER ROLE {} SET temp_file_limit = '1MB'", quote_ident(role)));
  const auto env = std::vector<std::string>{"ACME_TARGET_DSN=" +
                                            acme::test::dsn_as(acme::test::target_dsn(), role)};
  const auto limited = line_of(doctor({}, env).out, "target temp_file_limit");
  EXPECT_EQ(limited.rfind("warn", 0), 0u) << limited;
  paste_fix(acme::test::target_dsn(), limited);
  const auto after = doctor({}, env);
  EXPECT_EQ(line_of(after.out, "target temp_file_limit").rfind("ok", 0), 0u) << after.out;
}

TEST_F(Doctor, SourceWithWalLevelReplicaFailsWithTheSetting) {
  // The test target cluster runs wal_level=replica: give it the source tables and point the
  // doctor's source at it.
  const std::string wal = tgt_exec("SHOW wal_level")[0][0].as<std::string>();
  ASSERT_EQ(wal, "replica") << "the test target cluster should run wal_level=replica";
  m_extra_schema = acme::test::unique_name("replica_src");
  tgt_exec(acme::db::with_schema(acme::sql::source_schema, m_extra_schema));
  const auto r = doctor({"--mode", "cdc"}, {"ACME_SOURCE_DSN=" + acme::test::target_dsn(),
                                            "ACME_SOURCE_SCHEMA=" + m_extra_schema});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto line = line_of(r.out, "cdc wal_level");
  EXPECT_EQ(line.rfind("fail", 0), 0u) << r.out;
  EXPECT_NE(line.find("wal_level is replica"), std::string::npos) << line;
  EXPECT_NE(line.find("fix: ALTER SYSTEM SET wal_level = logical;"), std::string::npos) << line;
  // Not pasted here: it would take effect at the next restart of the shared test cluster, which
  // the disruptive tests restart. (Nor is max_slot_wal_keep_size's: cluster-wide, while other
  // tests rely on slots keeping their WAL.)
}

TEST_F(Doctor, RoleWithoutPgReadAllStatsWarnsWithTheGrant) {
  const std::string role = create_role(acme::test::source_dsn(), "nostats");
  src_exec(fmt::format("GRANT USAGE ON SCHEMA {s} TO {r}; GRANT SELECT ON ALL TABLES IN SCHEMA "
                       "{s} TO {r}",
                       fmt::arg("s", quote_ident(m_source_schema)),
                       fmt::arg("r", quote_ident(role))));
  const auto r =
      doctor({}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto line = line_of(r.out, "late-commit horizon");
  EXPECT_EQ(line.rfind("warn", 0), 0u) << r.out;
  EXPECT_NE(line.find("lookback of 120 s"), std::string::npos) << line;
  EXPECT_NE(line.find("fix: GRANT pg_read_all_stats TO " + quote_ident(role) + ";"),
            std::string::npos)
      << line;
  EXPECT_EQ(line_of(r.out, "source privileges").rfind("ok", 0), 0u) << r.out;
  paste_fix(acme::test::source_dsn(), line);
  const auto granted =
      doctor({}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  EXPECT_EQ(line_of(granted.out, "late-commit horizon").rfind("ok", 0), 0u) << granted.out;

  // Without SELECT on a table: a failure naming the GRANT.
  src_exec(fmt::format("REVOKE SELECT ON {}.orders FROM {}", quote_ident(m_source_schema),
                       quote_ident(role)));
  const auto r2 =
      doctor({}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  EXPECT_EQ(r2.exit_code, 1) << r2.out;
  EXPECT_NE(line_of(r2.out, "source privileges")
                .find(fmt::format("fix: GRANT SELECT ON {}.\"orders\" TO {};",
                                  quote_ident(m_source_schema), quote_ident(role))),
            std::string::npos)
      << r2.out;
  // And without USAGE on the schema: both grants in one fix.
  src_exec(fmt::format("REVOKE USAGE ON SCHEMA {} FROM {}", quote_ident(m_source_schema),
                       quote_ident(role)));
  const auto r3 =
      doctor({}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  paste_fix(acme::test::source_dsn(), line_of(r3.out, "source privileges"));
  const auto after =
      doctor({}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  EXPECT_EQ(line_of(after.out, "source privileges").rfind("ok", 0), 0u) << after.out;
}

TEST_F(Doctor, MissingPublicationFailsWithTheCreateStatement) {
  const auto r = doctor({"--mode", "cdc"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto line = line_of(r.out, "cdc publication");
  EXPECT_EQ(line.rfind("fail", 0), 0u) << r.out;
  EXPECT_NE(line.find("publication " + m_publication + " does not exist"), std::string::npos)
      << line;
  EXPECT_NE(line.find(fmt::format("CREATE PUBLICATION {} FOR TABLE {s}.\"customers\", "
                                  "{s}.\"products\", {s}.\"orders\", {s}.\"order_items\";",
                                  quote_ident(m_publication),
                                  fmt::arg("s", quote_ident(m_source_schema)))),
            std::string::npos)
      << line;

  // A publication without one of the tables: ALTER PUBLICATION ... ADD TABLE.
  src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {s}.customers, {s}.products, {s}.orders",
                       quote_ident(m_publication), fmt::arg("s", quote_ident(m_source_schema))));
  const auto r2 = doctor({"--mode", "cdc"});
  EXPECT_EQ(r2.exit_code, 1) << r2.out;
  EXPECT_NE(line_of(r2.out, "cdc publication")
                .find(fmt::format("fix: ALTER PUBLICATION {} ADD TABLE {}.\"order_items\";",
                                  quote_ident(m_publication), quote_ident(m_source_schema))),
            std::string::npos)
      << r2.out;
  paste_fix(acme::test::source_dsn(), line_of(r2.out, "cdc publication"));
  EXPECT_EQ(line_of(doctor({"--mode", "cdc"}).out, "cdc publication").rfind("ok", 0), 0u);

  // Not every action published: the SET (publish = ...) fix.
  src_exec(
      fmt::format("ALTER PUBLICATION {} SET (publish = 'insert')", quote_ident(m_publication)));
  const auto r3 = doctor({"--mode", "cdc"});
  paste_fix(acme::test::source_dsn(), line_of(r3.out, "cdc publication"));
  EXPECT_EQ(line_of(doctor({"--mode", "cdc"}).out, "cdc publication").rfind("ok", 0), 0u);

  // No publication at all: the CREATE PUBLICATION fix.
  src_exec("DROP PUBLICATION " + quote_ident(m_publication));
  paste_fix(acme::test::source_dsn(), line);
  EXPECT_EQ(line_of(doctor({"--mode", "cdc"}).out, "cdc publication").rfind("ok", 0), 0u);
}

// A replica identity CDC cannot stream (NOTHING): the ALTER TABLE fix runs as printed.
TEST_F(Doctor, AnUnsupportedReplicaIdentityFailsWithAFixThatRuns) {
  create_publication();
  src_exec(
      fmt::format("ALTER TABLE {}.orders REPLICA IDENTITY NOTHING", quote_ident(m_source_schema)));
  const auto line = line_of(doctor({"--mode", "cdc"}).out, "replica identity");
  EXPECT_EQ(line.rfind("fail", 0), 0u) << line;
  paste_fix(acme::test::source_dsn(), line);
  const auto after = doctor({"--mode", "cdc"});
  EXPECT_EQ(line_of(after.out, "replica identity"), "") << after.out; // only failures are listed
  EXPECT_EQ(after.exit_code, 0) << after.out;
}

TEST_F(Doctor, TargetSchemaOwnedBySomeoneElseFailsWithTheOwnerChange) {
  const std::string role = create_role(acme::test::target_dsn(), "writer");
  tgt_exec("CREATE SCHEMA " + quote_ident(m_target_schema)); // owned by the superuser
  const auto r =
      doctor({}, {"ACME_TARGET_DSN=" + acme::test::dsn_as(acme::test::target_dsn(), role)});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto line = line_of(r.out, "target schema");
  EXPECT_EQ(line.rfind("fail", 0), 0u) << r.out;
  EXPECT_NE(line.find("not by acme's role " + role), std::string::npos) << line;
  EXPECT_NE(line.find(fmt::format("fix: ALTER SCHEMA {} OWNER TO {};", quote_ident(m_target_schema),
                                  quote_ident(role))),
            std::string::npos)
      << line;
}

// The fix for a role without REPLICATION runs as printed, and doctor advises no 'host
// replication' pg_hba line (at b72faa0 it did: that line grants physical replication of the
// whole cluster, and a logical connection never matches it).
TEST_F(Doctor, TheReplicationRoleFixRunsAndAdvisesNoPhysicalReplicationLine) {
  create_publication();
  const std::string role = create_role(acme::test::source_dsn(), "norepl");
  src_exec(fmt::format("GRANT USAGE ON SCHEMA {s} TO {r}; GRANT SELECT ON ALL TABLES IN SCHEMA "
                       "{s} TO {r}",
                       fmt::arg("s", quote_ident(m_source_schema)),
                       fmt::arg("r", quote_ident(role))));
  const auto env = std::vector<std::string>{
      "ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role), "ACME_MODE=cdc"};
  const auto line = line_of(doctor({}, env).out, "cdc replication role");
  EXPECT_EQ(line.rfind("fail", 0), 0u) << line;
  EXPECT_EQ(line.find("host replication " + role), std::string::npos) << line;
  const auto fix = line.find("fix: ");
  ASSERT_NE(fix, std::string::npos) << line;
  src_exec(line.substr(fix + 5)); // as a superuser would paste it
  const auto after = doctor({}, env);
  EXPECT_EQ(line_of(after.out, "cdc replication role").rfind("ok", 0), 0u) << after.out;
}

// A full load's jobs each take a source connection: more than the source (or the role) has
// free is a warning with the ACME_JOBS that fits.
TEST_F(Doctor, JobsBeyondTheSourcesFreeConnectionsWarn) {
  const std::string role = create_role(acme::test::source_dsn(), "fewconn");
  src_exec(fmt::format("ALTER ROLE {r} CONNECTION LIMIT 3; GRANT USAGE ON SCHEMA {s} TO {r}; "
                       "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
                       fmt::arg("s", quote_ident(m_source_schema)),
                       fmt::arg("r", quote_ident(role))));
  const auto env = std::vector<std::string>{
      "ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role), "ACME_JOBS=8"};
  const auto line = line_of(doctor({}, env).out, "source connections");
  EXPECT_EQ(line.rfind("warn", 0), 0u) << line;
  EXPECT_NE(line.find("opens 9 source sessions"), std::string::npos) << line;
  EXPECT_NE(line.find("fix: set ACME_JOBS=1 or lower"), std::string::npos) << line;
}

TEST_F(Doctor, TheTargetSchemaOwnerFixRunsAndHandsOverItsTables) {
  const std::string role = create_role(acme::test::target_dsn(), "writer");
  ASSERT_EQ(acme({"migrate"}).exit_code, 0); // acme's tables, owned by the superuser
  const auto env = std::vector<std::string>{"ACME_TARGET_DSN=" +
                                            acme::test::dsn_as(acme::test::target_dsn(), role)};
  const auto line = line_of(doctor({}, env).out, "target schema");
  const auto fix = line.find("fix: ");
  ASSERT_NE(fix, std::string::npos) << line;
  tgt_exec(line.substr(fix + 5)); // as a superuser would paste it
  const auto after = doctor({}, env);
  EXPECT_EQ(line_of(after.out, "target schema").rfind("ok", 0), 0u) << after.out;
  EXPECT_EQ(tgt_exec(fmt::format("SELECT count(*) FROM pg_tables WHERE schemaname = '{}' AND "
                                 "tableowner <> '{}'",
                                 m_target_schema, role))[0][0]
                .as<int>(),
            0);
  EXPECT_EQ(acme({"run-etl"}, env).exit_code, 0) << "the role can sync with what it now owns";
}

TEST_F(Doctor, SlotTheTargetDoesNotKnowIsNotTakenOver) {
  create_publication();
  src_exec("SELECT pg_create_logical_replication_slot('" + m_slot + "', 'pgoutput')");
  struct DropSlot {
    std::string slot;
    ~DropSlot() {
      try {
        exec_on(acme::test::source_dsn(), "SELECT pg_drop_replication_slot('" + slot + "')");
      } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping slot " << slot << ": " << e.what();
      }
    }
  } drop{m_slot};
  const auto r = doctor({"--mode", "cdc"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto line = line_of(r.out, "cdc slot");
  EXPECT_EQ(line.rfind("fail", 0), 0u) << r.out;
  EXPECT_NE(line.find("the target has no record of it"), std::string::npos) << line;
}

TEST_F(Doctor, UnreachableTargetIsAFailedCheckNotACrash) {
  const auto r = doctor({}, {"ACME_TARGET_DSN=postgresql://postgres@127.0.0.1:1/nowhere"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(line_of(r.out, "target connection").rfind("fail", 0), 0u) << r.out;
  EXPECT_EQ(line_of(r.out, "source connection").rfind("ok", 0), 0u) << r.out;
}

TEST_F(Doctor, AnUnknownSourceTimeZoneIsAFailedCheckAndTheSyncExitsTwo) {
  const auto r = doctor({"--source-timezone", "Bogus/Zone"}, {});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto zone = line_of(r.out, "source time zone");
  EXPECT_EQ(zone.rfind("fail", 0), 0u) << r.out;
  EXPECT_NE(zone.find("Bogus/Zone"), std::string::npos) << zone;
  // The other checks still ran, in the server's time zone.
  EXPECT_EQ(line_of(r.out, "clock skew").rfind("ok", 0), 0u) << r.out;
  EXPECT_EQ(line_of(r.out, "source contract").rfind("ok", 0), 0u) << r.out;

  const auto sync = acme({"run-etl", "--source-timezone", "Bogus/Zone"});
  EXPECT_EQ(sync.exit_code, 2) << sync.err; // configuration: systemd must not restart it
  EXPECT_NE(sync.err.find("ACME_SOURCE_TIMEZONE (--source-timezone)"), std::string::npos)
      << sync.err;
  EXPECT_NE(sync.err.find("Bogus/Zone"), std::string::npos) << sync.err;
}

} // namespace

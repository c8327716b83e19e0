// acme cdc setup and acme cdc drop-slot against the real clusters, each test with its own
// publication, slot and roles (dropped however the test ends).
#include "acme/cdc/lsn.hpp"
#include "acme/cdc/replication_connection.hpp"
#include "acme/db/connection.hpp"
#include "support/pg.hpp"

#include <csignal>
#include <fmt/format.h>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

namespace {

using acme::db::quote_ident;

pqxx::result source_exec(const std::string& sql) {
  pqxx::connection c(acme::test::source_dsn());
  pqxx::nontransaction tx(c);
  return tx.exec(sql);
}

// Runs `cleanup` when the test ends, however it ends; a failing cleanup fails the test.
class Cleanup {
public:
  Cleanup(std::string what, std::function<void()> cleanup)
      : m_what(std::move(what)), m_cleanup(std::move(cleanup)) {}
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() {
    for (int attempt = 0;; ++attempt) {
      try {
        m_cleanup();
        return;
      } catch (const std::exception& e) {
        if (attempt == 50) {
          ADD_FAILURE() << "cleanup of " << m_what << " failed: " << e.what();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // a walsender exiting
      }
    }
  }

private:
  std::string m_what;
  std::function<void()> m_cleanup;
};

Cleanup publication_cleanup(const std::string& name) {
  return Cleanup("publication " + name,
                 [name] { source_exec("DROP PUBLICATION IF EXISTS " + quote_ident(name)); });
}

Cleanup slot_cleanup(const std::string& name) {
  return Cleanup("slot " + name, [name] {
    const std::string lit = "'" + name + "'"; // [a-z0-9_]
    source_exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE "
                "slot_name = " +
                lit + " AND active_pid IS NOT NULL");
    source_exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE "
                "slot_name = " +
                lit);
  });
}

Cleanup role_cleanup(const std::string& role) {
  return Cleanup("role " + role, [role] {
    if (!source_exec("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'").empty()) {
      source_exec(fmt::format("DROP OWNED BY {r}; DROP ROLE {r}", fmt::arg("r", role)));
    }
  });
}

class CdcCommand : public acme::test::PgTest {
protected:
  void SetUp() override {
    PgTest::SetUp();
    m_publication = acme::test::unique_name("pub");
    m_slot = acme::test::unique_name("slot");
  }

  acme::test::ProcessResult cdc(const std::vector<std::string>& args,
                                std::vector<std::string> env = {}) const {
    std::vector<std::string> argv{"cdc"};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("ACME_CDC_PUBLICATION=" + m_publication);
    env.push_back("ACME_CDC_SLOT=" + m_slot);
    return acme(argv, env);
  }

  std::string table(const std::string& name) const {
    return acme::db::qualify(m_source_schema, name);
  }

  std::vector<std::string> published_tables() {
    std::vector<std::string> out;
    for (const auto& r : src_exec(fmt::format("SELECT tablename FROM pg_publication_tables WHERE "
                                              "pubname = '{}' AND schemaname = '{}' ORDER BY 1",
                                              m_publication, m_source_schema))) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  }

  bool slot_exists() {
    return !src_exec("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + m_slot + "'")
                .empty();
  }

  void create_slot() {
    src_exec("SELECT pg_create_logical_replication_slot('" + m_slot + "', 'pgoutput')");
  }

  // The target schema with acme's bookkeeping, and a CDC state row for the test's slot.
  void record_slot() {
    const auto r = acme({"migrate"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    tgt_exec(fmt::format("INSERT INTO {} (slot, applied_lsn) VALUES ('{}', '0/0')",
                         acme::db::qualify(m_target_schema, "acme_cdc_state"), m_slot));
  }

  std::optional<bool> needs_snapshot() {
    const auto r =
        tgt_exec(fmt::format("SELECT needs_snapshot FROM {} WHERE slot = '{}'",
                             acme::db::qualify(m_target_schema, "acme_cdc_state"), m_slot));
    return r.empty() ? std::nullopt : std::optional<bool>(r[0][0].as<bool>());
  }

  std::string m_publication;
  std::string m_slot;
};

const std::vector<std::string> k_all{"customers", "order_items", "orders", "products"};

TEST_F(CdcCommand, SetupCreatesThePublicationThenFindsNothingToDo) {
  auto guard = publication_cleanup(m_publication);
  auto r = cdc({"setup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("created publication " + m_publication), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(published_tables(), k_all);
  const auto flags = src_exec("SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate, "
                              "puballtables FROM pg_publication WHERE pubname = '" +
                              m_publication + "'");
  ASSERT_EQ(flags.size(), 1U);
  EXPECT_TRUE(flags[0][0].as<bool>());
  EXPECT_FALSE(flags[0][1].as<bool>()) << "FOR TABLE, never FOR ALL TABLES";

  r = cdc({"setup"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nothing to do"), std::string::npos) << r.err;
}

TEST_F(CdcCommand, SetupNamesWhatAnExistingPublicationMissesAndNeverAltersIt) {
  auto guard = publication_cleanup(m_publication);
  src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {}, {} (order_id, status) "
                       "WITH (publish = 'insert, update')",
                       quote_ident(m_publication), table("customers"), table("orders")));
  const auto r = cdc({"setup"});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("does not publish " + table("products") + ", " + table("order_items")),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("column list without"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("every action"), std::string::npos) << r.err;
  EXPECT_EQ(published_tables(), (std::vector<std::string>{"customers", "orders"}))
      << "acme must not alter a publication others may use";
  // The printed SQL is exactly what makes the publication complete.
  EXPECT_NE(r.out.find("ALTER PUBLICATION " + quote_ident(m_publication) + " ADD TABLE " +
                       table("products") + ", " + table("order_items") + ";"),
            std::string::npos)
      << r.out;
  src_exec(r.out);
  const auto again = cdc({"setup"});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_EQ(published_tables(), k_all);
}

TEST_F(CdcCommand, SetupPrintsTheSqlForADbaWhenTheRoleMayNot) {
  auto guard = publication_cleanup(m_publication);
  const std::string role = acme::test::unique_name("reader");
  auto role_guard = role_cleanup(role);
  src_exec(fmt::format("CREATE ROLE {r} LOGIN PASSWORD '{pw}'; GRANT USAGE ON SCHEMA {s} TO {r}; "
                       "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
                       fmt::arg("r", role), fmt::arg("s", quote_ident(m_source_schema)),
                       fmt::arg("pw", acme::test::k_test_role_password)));
  const auto r =
      cdc({"setup"}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(published_tables().empty());
  EXPECT_NE(r.err.find("may not create publication"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lacks the REPLICATION attribute"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(fmt::format("ALTER ROLE {} REPLICATION;", quote_ident(role))),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(fmt::format("CREATE PUBLICATION {} FOR TABLE {}, {}, {}, {};",
                                   quote_ident(m_publication), table("customers"),
                                   table("products"), table("orders"), table("order_items"))),
            std::string::npos)
      << r.out;
  src_exec(r.out); // what the DBA does
  const auto again =
      cdc({"setup"}, {"ACME_SOURCE_DSN=" + acme::test::dsn_as(acme::test::source_dsn(), role)});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_EQ(published_tables(), k_all);
}

TEST_F(CdcCommand, SetupFailsNamingWalLevel) {
  // The target cluster runs with wal_level = replica.
  tgt_exec(acme::db::with_schema("CREATE SCHEMA {schema}", m_source_schema));
  Cleanup schema("target-side source schema", [this] {
    tgt_exec("DROP SCHEMA IF EXISTS " + quote_ident(m_source_schema) + " CASCADE");
  });
  const auto r = cdc({"setup"}, {"ACME_SOURCE_DSN=" + acme::test::target_dsn()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("wal_level = replica"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wal_level = logical"), std::string::npos) << r.err;
}

TEST_F(CdcCommand, ASyncWithoutThePublicationFailsBeforeCreatingASlot) {
  auto guard = slot_cleanup(m_slot); // were one created anyway
  const auto r = acme({"run-etl", "--mode", "cdc"},
                      {"ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("publication '" + m_publication + "' does not exist"), std::string::npos)
      << r.err;
  EXPECT_FALSE(slot_exists()) << "a slot that retains WAL for a stream that cannot start";
}

TEST_F(CdcCommand, DropSlotDropsOnlyARecordedSlotUnlessForced) {
  auto guard = slot_cleanup(m_slot);
  create_slot();
  auto r = cdc({"drop-slot"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no record of replication slot"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_TRUE(slot_exists());

  r = cdc({"drop-slot", "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dropped replication slot '" + m_slot + "'"), std::string::npos) << r.err;
  EXPECT_FALSE(slot_exists());
}

TEST_F(CdcCommand, DropSlotMarksTheTargetForAFreshSnapshot) {
  auto guard = slot_cleanup(m_slot);
  create_slot();
  record_slot();
  ASSERT_EQ(needs_snapshot(), false);
  auto r = cdc({"drop-slot"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(slot_exists());
  EXPECT_EQ(needs_snapshot(), true);

  // Absent: said so, not an error.
  r = cdc({"drop-slot"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("does not exist on the source"), std::string::npos) << r.err;
}

TEST_F(CdcCommand, DropSlotInUseExits3AndChangesNothing) {
  auto pub_guard = publication_cleanup(m_publication);
  auto guard = slot_cleanup(m_slot);
  src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {}", quote_ident(m_publication),
                       table("customers")));
  record_slot();
  acme::cdc::ReplicationConnection repl(acme::test::source_dsn(), "acme-test");
  repl.create_slot(m_slot, acme::cdc::SlotSnapshot::none);
  repl.start_replication(m_slot, acme::cdc::Lsn{}, {m_publication});
  const auto r = cdc({"drop-slot"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r.err;
  EXPECT_TRUE(slot_exists());
  EXPECT_EQ(needs_snapshot(), false) << "a refused drop must not change the target";
}

TEST_F(CdcCommand, DropSlotRefusesASlotThatIsNotAcmes) {
  auto guard = slot_cleanup(m_slot);
  src_exec("SELECT pg_create_logical_replication_slot('" + m_slot + "', 'test_decoding')");
  const auto r = cdc({"drop-slot", "--force"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not acme's"), std::string::npos) << r.err;
  EXPECT_TRUE(slot_exists());
}

// A pgoutput slot of the same name in another database of the source cluster is another
// consumer's: the stream's start, drop-slot and doctor all say so through one check
// (cdc::slot_kind). Before, the stream's start checked only the plugin and failed later, in
// START_REPLICATION.
TEST_F(CdcCommand, APgoutputSlotOfAnotherDatabaseIsNotAcmesAnywhere) {
  auto pub_guard = publication_cleanup(m_publication);
  ASSERT_EQ(cdc({"setup"}).exit_code, 0);
  std::string other = acme::test::source_dsn();
  const auto db = other.rfind("/acme_source");
  ASSERT_NE(db, std::string::npos) << other;
  other.replace(db, std::string("/acme_source").size(), "/postgres");
  const auto on_other = [&](const std::string& sql) {
    pqxx::connection c(other);
    pqxx::nontransaction(c).exec(sql);
  };
  on_other("SELECT pg_create_logical_replication_slot('" + m_slot + "', 'pgoutput')");
  Cleanup drop("slot " + m_slot + " in database postgres", [&] {
    on_other("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE "
             "slot_name = '" +
             m_slot + "'");
  });
  const std::string kind = "a logical slot, plugin pgoutput, database postgres";
  const auto start = acme({"run-etl", "--mode", "cdc"},
                          {"ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
  EXPECT_EQ(start.exit_code, 1) << start.err;
  EXPECT_NE(start.err.find("is not acme's (" + kind), std::string::npos) << start.err;
  const auto dropped = cdc({"drop-slot", "--force"});
  EXPECT_EQ(dropped.exit_code, 2) << dropped.err;
  EXPECT_NE(dropped.err.find("not acme's (" + kind + ")"), std::string::npos) << dropped.err;
  const auto doctor = acme({"doctor", "--mode", "cdc"},
                           {"ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
  EXPECT_NE(doctor.out.find("fail  cdc slot: slot " + m_slot +
                            " exists but is not a pgoutput "
                            "slot of this database (" +
                            kind + ")"),
            std::string::npos)
      << doctor.out;
}

// The reader role of sql/roles/source_reader.psql (read-only, pg_read_all_stats, REPLICATION
// with replication=on) is all CDC mode needs on the source: slot with exported snapshot, the
// hand-off read, the stream, and cdc drop-slot.
TEST_F(CdcCommand, LeastPrivilegeReaderRunsCdcOnlyWithReplication) {
  auto pub_guard = publication_cleanup(m_publication);
  auto guard = slot_cleanup(m_slot);
  const std::string role = acme::test::unique_name("reader");
  auto role_guard = role_cleanup(role);
  const auto make_role = [&](const std::string& replication) {
    const auto r = acme::test::run_process(
        {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", acme::test::source_dsn(), "-f",
         std::string(ACME_SOURCE_DIR) + "/sql/roles/source_reader.psql", "-v", "role=" + role, "-v",
         "schema=" + m_source_schema, "-v", "replication=" + replication},
        {std::string("ACME_ROLE_PASSWORD=") + acme::test::k_test_role_password});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  const std::vector<std::string> as_reader{"ACME_SOURCE_DSN=" +
                                           acme::test::dsn_as(acme::test::source_dsn(), role)};
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (1, 'c1')",
                       table("customers")));
  const auto setup = cdc({"setup"}); // as the superuser: the reader may not
  ASSERT_EQ(setup.exit_code, 0) << setup.err;

  make_role("off");
  auto r = acme({"run-etl", "--mode", "cdc"},
                {as_reader[0], "ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("REPLICATION"), std::string::npos) << r.err;
  EXPECT_FALSE(slot_exists());

  make_role("on");
  r = acme({"run-etl", "--mode", "cdc"},
           {as_reader[0], "ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (2, 'c2')",
                       table("customers")));
  r = acme({"run-etl", "--mode", "cdc"},
           {as_reader[0], "ACME_CDC_PUBLICATION=" + m_publication, "ACME_CDC_SLOT=" + m_slot});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(tgt_exec(fmt::format("SELECT count(*) FROM {}",
                                 acme::db::qualify(m_target_schema, "customers")))[0][0]
                .as<int>(),
            2);
  EXPECT_EQ(src_exec("SELECT count(*) FROM " + table("customers"))[0][0].as<int>(), 2)
      << "acme wrote to the source";

  r = cdc({"drop-slot"}, as_reader);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(slot_exists());
}

// acme status in CDC mode: the slot as the source sees it, lag in bytes and seconds, WAL safety.
TEST_F(CdcCommand, StatusShowsTheSlotLagAndWalSafety) {
  auto pub_guard = publication_cleanup(m_publication);
  auto guard = slot_cleanup(m_slot);
  const std::vector<std::string> env{"ACME_CDC_PUBLICATION=" + m_publication,
                                     "ACME_CDC_SLOT=" + m_slot};
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (1, 'c1')",
                       table("customers")));
  ASSERT_EQ(cdc({"setup"}).exit_code, 0);
  auto r = acme({"run-etl", "--mode", "cdc"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto status = [&] {
    const auto s = acme({"status", "--json"}, env);
    EXPECT_EQ(s.exit_code, 0) << s.err;
    return nlohmann::json::parse(s.out).value("cdc", nlohmann::json());
  };
  const bool unbounded =
      src_exec("SELECT current_setting('max_slot_wal_keep_size') = '-1'")[0][0].as<bool>();

  auto c = status();
  ASSERT_TRUE(c.is_object()) << "no cdc section";
  EXPECT_EQ(c["mode"], "cdc");
  EXPECT_EQ(c["slot"], m_slot);
  EXPECT_EQ(c["slot_exists"], true);
  EXPECT_EQ(c["active"], false);
  EXPECT_EQ(c["confirmed_flush_lsn"], c["applied_lsn"]);
  EXPECT_GE(c["lag_bytes"].get<long long>(), 0);
  EXPECT_GE(c["retained_bytes"].get<long long>(), 0);
  EXPECT_EQ(c["lag_basis"], "last_applied_flush");
  EXPECT_GE(c["lag_seconds"].get<double>(), 0.0);
  EXPECT_EQ(c["wal_status"], "reserved");
  EXPECT_EQ(c["max_slot_wal_keep_size"] == "-1", unbounded);
  EXPECT_EQ(c["safe_wal_size"].is_null(), unbounded);
  EXPECT_EQ(c["warnings"].dump().find("max_slot_wal_keep_size = -1") != std::string::npos,
            unbounded)
      << c.dump();
  const auto text = acme({"status"}, env);
  EXPECT_NE(text.out.find("cdc:             mode cdc, slot " + m_slot), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  slot:          inactive, confirmed_flush_lsn "), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  lag:           "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  wal:           wal_status reserved"), std::string::npos) << text.out;
  // A CDC run has no polling horizon: no "complete up to source time -".
  EXPECT_EQ(text.out.find("source time -"), std::string::npos) << text.out;
  if (unbounded) {
    EXPECT_NE(text.out.find("  WARNING:       max_slot_wal_keep_size = -1"), std::string::npos)
        << text.out;
  }

  // While a stream runs: the slot is active and the lag is the walsender's measure.
  {
    auto stream = acme_background({"run-continuous-etl", "--mode", "cdc"}, env);
    src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (2, 'c2')",
                         table("customers")));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      c = status();
      const bool applied =
          tgt_exec(fmt::format("SELECT count(*) FROM {}",
                               acme::db::qualify(m_target_schema, "customers")))[0][0]
              .as<int>() == 2;
      if ((applied && c["active"] == true && !c["lag_basis"].is_null() &&
           c["lag_basis"] != "last_applied_flush") ||
          std::chrono::steady_clock::now() > deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(c["active"], true) << c.dump();
    EXPECT_TRUE(c["active_pid"].is_number()) << c.dump();
    EXPECT_TRUE(c["lag_basis"] == "flush_lag" || c["lag_basis"] == "caught_up") << c.dump();
    EXPECT_LT(c["lag_seconds"].get<double>(), 10.0) << c.dump();
    stream->signal(SIGTERM);
    EXPECT_EQ(stream->wait(10000), 0) << stream->err();
  }

  // A polling cycle: the mode says so, and the slot left behind is a warning.
  r = acme({"run-etl"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  c = status();
  EXPECT_EQ(c["mode"], "poll");
  EXPECT_EQ(c["needs_snapshot"], true);
  EXPECT_NE(c["warnings"].dump().find("acme is polling"), std::string::npos) << c.dump();

  r = cdc({"drop-slot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  c = status();
  EXPECT_EQ(c["slot_exists"], false);
  EXPECT_TRUE(c["active"].is_null());
  EXPECT_NE(c["warnings"].dump().find("does not exist"), std::string::npos) << c.dump();
  EXPECT_EQ(c["warnings"].dump().find("max_slot_wal_keep_size = -1"), std::string::npos)
      << "no slot retains WAL: " << c.dump();
  const auto after = acme({"status"}, env);
  EXPECT_NE(after.out.find("the next cdc start takes a fresh snapshot (polling ran, or the slot "
                           "was dropped, since)"),
            std::string::npos)
      << after.out;
}

} // namespace

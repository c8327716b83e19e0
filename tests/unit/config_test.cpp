#include "acme/config/config.hpp"
#include "acme/error.hpp"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace {

std::map<std::string, std::string>& fake_env() {
  static std::map<std::string, std::string> env;
  return env;
}

std::optional<std::string> lookup(const char* name) {
  auto it = fake_env().find(name);
  if (it == fake_env().end()) {
    return std::nullopt;
  }
  return it->second;
}

class ConfigLoad : public ::testing::Test {
protected:
  void SetUp() override {
    fake_env().clear();
    // One file per test process: ctest runs the cases in parallel processes.
    m_path = ::testing::TempDir() + "acme_config_test_" + std::to_string(::getpid()) + ".env";
    std::remove(m_path.c_str());
    write_env(""); // an env file named explicitly must exist
    m_flags.env_file = m_path;
  }
  void TearDown() override { std::remove(m_path.c_str()); }
  void write_env(const std::string& text) { std::ofstream(m_path) << text; }
  std::string m_path;
  acme::config::Overrides m_flags;
};

} // namespace

TEST_F(ConfigLoad, DefaultsApplyWhenNothingIsSet) {
  const auto c = acme::config::load(m_flags, &lookup);
  EXPECT_EQ(c.source_schema, "operations");
  EXPECT_EQ(c.target_schema, "analytics");
  EXPECT_EQ(c.closed_statuses, (std::vector<std::string>{"COMPLETED", "CANCELLED"}));
  EXPECT_TRUE(c.source_dsn.empty());
}

TEST_F(ConfigLoad, FlagsBeatEnvironmentBeatDotenv) {
  write_env("ACME_SOURCE_SCHEMA=from_file\nACME_TARGET_SCHEMA=from_file\nACME_LOG_LEVEL=debug\n");
  fake_env()["ACME_TARGET_SCHEMA"] = "from_env";
  fake_env()["ACME_LOG_LEVEL"] = "warn";
  m_flags.log_level = "error";
  const auto c = acme::config::load(m_flags, &lookup);
  EXPECT_EQ(c.source_schema, "from_file");
  EXPECT_EQ(c.target_schema, "from_env");
  EXPECT_EQ(c.log_level, "error");
  EXPECT_EQ(c.origin.at("ACME_LOG_LEVEL"), "flag");
  EXPECT_EQ(c.origin.at("ACME_TARGET_SCHEMA"), "environment");
}

TEST_F(ConfigLoad, MissingDsnNamesVariableAndFlag) {
  const auto c = acme::config::load(m_flags, &lookup);
  try {
    acme::config::require_source(c);
    FAIL() << "expected UsageError";
  } catch (const acme::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ACME_SOURCE_DSN"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("--source-dsn"), std::string::npos);
  }
}

TEST_F(ConfigLoad, InvalidValuesAreUsageErrors) {
  fake_env()["ACME_BATCH_SIZE"] = "lots";
  EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError);
  fake_env().clear();
  fake_env()["ACME_LOG_FORMAT"] = "xml";
  EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError);
  fake_env().clear();
  fake_env()["ACME_LATE_COMMIT_LOOKBACK"] = "-1";
  EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError);
}

TEST_F(ConfigLoad, ClosedStatusesAreACommaList) {
  fake_env()["ACME_CLOSED_STATUSES"] = "COMPLETED, CANCELLED ,REFUNDED";
  const auto c = acme::config::load(m_flags, &lookup);
  EXPECT_EQ(c.closed_statuses, (std::vector<std::string>{"COMPLETED", "CANCELLED", "REFUNDED"}));
}

TEST_F(ConfigLoad, AnExplicitEnvFileThatDoesNotExistIsAUsageError) {
  m_flags.env_file = m_path + ".missing";
  EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError);
  m_flags.env_file.reset();
  fake_env()["ACME_ENV_FILE"] = m_path + ".missing";
  EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError);
}

TEST_F(ConfigLoad, TheDefaultEnvFileMayBeAbsent) {
  m_flags.env_file.reset(); // ./.env in the test's working directory: absent is fine
  EXPECT_NO_THROW(acme::config::load(m_flags, &lookup));
}

TEST_F(ConfigLoad, OutOfRangeNumbersAreRejectedNotWrapped) {
  for (const auto& [var, value] :
       std::vector<std::pair<std::string, std::string>>{{"ACME_RECONCILE_EVERY", "4294967297"},
                                                        {"ACME_RECONCILE_EVERY", "0"},
                                                        {"ACME_BATCH_SIZE", "99999999999999999999"},
                                                        {"ACME_LATE_COMMIT_LOOKBACK", "1e300"},
                                                        {"ACME_LATE_COMMIT_LOOKBACK", "-1"},
                                                        {"ACME_LOCK_WAIT", "nan"},
                                                        {"ACME_LOCK_WAIT", "86400"}}) {
    fake_env().clear();
    fake_env()[var] = value;
    EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError) << var << "=" << value;
  }
  fake_env().clear();
  fake_env()["ACME_LOCK_WAIT"] = "2.5";
  EXPECT_EQ(acme::config::load(m_flags, &lookup).lock_wait.count(), 2500);
}

TEST_F(ConfigLoad, ThePollingIntervalIsASettingWithARange) {
  EXPECT_EQ(acme::config::load(m_flags, &lookup).polling_interval.count(), 10000);
  write_env("ACME_POLLING_INTERVAL=2\n");
  EXPECT_EQ(acme::config::load(m_flags, &lookup).polling_interval.count(), 2000);
  m_flags.polling_interval = "0.05";
  EXPECT_EQ(acme::config::load(m_flags, &lookup).polling_interval.count(), 50);
  // 1e10 once became a wait of 10^13 ms, 1e300 a negative one, 1e-9 none: back-to-back cycles.
  for (const char* bad : {"0", "1e-9", "0.001", "1e10", "1e300", "-1", "nan", "inf", "0x10", ""}) {
    m_flags.polling_interval = bad;
    try {
      acme::config::load(m_flags, &lookup);
      ADD_FAILURE() << "accepted --polling-interval " << bad;
    } catch (const acme::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("ACME_POLLING_INTERVAL (--polling-interval)"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST_F(ConfigLoad, RangeErrorsNameTheVariableAndTheFlag) {
  for (const auto& [var, value, flag] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"ACME_RECONCILE_EVERY", "5000000", "--reconcile-every"},
           {"ACME_LOCK_WAIT", "0x10", "--lock-wait"},
           {"ACME_LATE_COMMIT_LOOKBACK", "-1", "--late-commit-lookback"},
           {"ACME_CDC_FLUSH_MS", "abc", "--cdc-flush-ms"},
           {"ACME_MODE", "push", "--mode"},
           {"ACME_LOG_FORMAT", "xml", "--log-format"}}) {
    fake_env().clear();
    fake_env()[var] = value;
    try {
      acme::config::load(m_flags, &lookup);
      ADD_FAILURE() << "accepted " << var << "=" << value;
    } catch (const acme::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(var + " (" + flag + ")"), std::string::npos) << e.what();
    }
  }
}

TEST_F(ConfigLoad, JobsDefaultToTheCoresAtLeastTwoAndRejectNonsense) {
  fake_env().clear();
  EXPECT_GE(acme::config::load(m_flags, &lookup).jobs, 2);
  EXPECT_EQ(acme::config::load(m_flags, &lookup).jobs, acme::config::default_jobs());
  // Small by default, whatever the host: each job is a session on the production source.
  EXPECT_GE(acme::config::default_jobs(), 1);
  EXPECT_LE(acme::config::default_jobs(), acme::config::k_default_jobs_cap);
  fake_env()["ACME_JOBS"] = "";
  EXPECT_EQ(acme::config::load(m_flags, &lookup).jobs, acme::config::default_jobs());
  for (const char* bad : {"0", "-1", "65", "two", "1.5"}) {
    fake_env()["ACME_JOBS"] = bad;
    EXPECT_THROW(acme::config::load(m_flags, &lookup), acme::UsageError) << bad;
  }
  fake_env()["ACME_JOBS"] = "1";
  EXPECT_EQ(acme::config::load(m_flags, &lookup).jobs, 1);
  m_flags.jobs = "3";
  EXPECT_EQ(acme::config::load(m_flags, &lookup).jobs, 3);
  m_flags.jobs.reset();
}

TEST_F(ConfigLoad, UnknownAcmeKeysOfTheEnvFileAreReported) {
  write_env("ACME_POLING_INTERVAL=2\nACME_APP_MODE=cdc\nACME_LOG_LEVEL=info\nOTHER_TOOL=1\n");
  const auto c = acme::config::load(m_flags, &lookup);
  ASSERT_EQ(c.ignored.size(), 1U); // not the compose stack's ACME_APP_MODE, not OTHER_TOOL
  EXPECT_NE(c.ignored[0].find("ACME_POLING_INTERVAL is not an acme setting"), std::string::npos)
      << c.ignored[0];
  EXPECT_NE(c.ignored[0].find(m_path), std::string::npos) << c.ignored[0];
}

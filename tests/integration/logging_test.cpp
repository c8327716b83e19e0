// Logs as operators use them: JSON lines, daily files under a directory, no secrets anywhere.
#include "support/pg.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace {

TEST(Logging, JsonLinesGoToDailyFilesWithoutPasswords) {
  const acme::test::TempDir temp("logs");
  const auto dir = temp.path() / "logs"; // acme creates it
  acme::test::BackgroundProcess p(
      {ACME_BIN, "run-continuous-etl", "--polling-interval", "0.2", "--log-format", "json",
       "--log-dir", dir.string()},
      {"ACME_SOURCE_DSN=postgresql://etl:Hunter2Secret@127.0.0.1:1/acme",
       "ACME_TARGET_DSN=postgresql://etl:Hunter2Secret@127.0.0.1:1/acme",
       "ACME_ENV_FILE=/dev/null"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  p.signal(SIGTERM);
  const auto rc = p.wait(5000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p.err();

  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files.push_back(e.path());
  }
  ASSERT_EQ(files.size(), 1U);
  const std::string name = files[0].filename().string();
  EXPECT_EQ(name.size(), std::string("YYYYMMDD_acme.log").size()) << name;
  EXPECT_EQ(name.substr(8), "_acme.log");

  const std::string text = acme::test::read_file(files[0]);
  EXPECT_EQ(text.find("Hunter2Secret"), std::string::npos) << text;
  EXPECT_EQ(p.err().find("Hunter2Secret"), std::string::npos) << p.err();
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  bool saw_retry = false;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line); // throws (fails the test) if not JSON
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    saw_retry = saw_retry || j["msg"].get<std::string>().find("retrying in") != std::string::npos;
    ++n;
  }
  EXPECT_GE(n, 2);
  EXPECT_TRUE(saw_retry) << text;
  std::filesystem::remove_all(dir);
}

TEST(Logging, TheErrorThatEndsTheProcessReachesTheJsonLogAndItsFile) {
  const acme::test::TempDir temp("logs");
  const auto dir = temp.path() / "logs";
  // Authentication-free but unreachable: run-etl fails at once (exit 1), after logging is set up.
  const auto r = acme::test::run_process(
      {ACME_BIN, "run-etl", "--log-format", "json", "--log-dir", dir.string()},
      {"ACME_SOURCE_DSN=postgresql://etl:Hunter2Secret@127.0.0.1:1/acme",
       "ACME_TARGET_DSN=postgresql://etl:Hunter2Secret@127.0.0.1:1/acme",
       "ACME_ENV_FILE=/dev/null"},
      temp.str());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("Hunter2Secret"), std::string::npos) << r.err;
  // Every stderr line is JSON, the last one the error.
  std::istringstream lines(r.err);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
    last = line;
  }
  const auto j = nlohmann::json::parse(last);
  EXPECT_EQ(j["level"], "error") << last;
  EXPECT_NE(j["msg"].get<std::string>().find("cannot connect to the target database"),
            std::string::npos)
      << last;
  std::string file;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    file = acme::test::read_file(e.path());
  }
  EXPECT_NE(file.find("cannot connect to the target database"), std::string::npos) << file;
  EXPECT_EQ(file.find("Hunter2Secret"), std::string::npos) << file;
  std::filesystem::remove_all(dir);
}

TEST(Logging, AnUnusableLogDirectoryIsAConfigurationError) {
  const acme::test::TempDir temp("logs");
  std::ofstream(temp.path() / "a-file") << "x";
  const auto r = acme::test::run_process(
      {ACME_BIN, "run-etl", "--log-dir", (temp.path() / "a-file" / "logs").string()},
      {"ACME_SOURCE_DSN=postgresql://etl@127.0.0.1:1/acme",
       "ACME_TARGET_DSN=postgresql://etl@127.0.0.1:1/acme", "ACME_ENV_FILE=/dev/null"},
      temp.str());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ACME_LOG_DIR (--log-dir)"), std::string::npos) << r.err;
}

} // namespace

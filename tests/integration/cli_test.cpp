#include "support/pg.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>

using acme::test::run_process;

TEST(Cli, MissingSourceDsnExits2NamingTheVariable) {
  const acme::test::TempDir temp("cli");
  const std::string dir = temp.str();
  const auto r = run_process({ACME_BIN, "run-etl"}, {"ACME_SOURCE_DSN=", "ACME_TARGET_DSN="}, dir);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ACME_SOURCE_DSN"), std::string::npos) << r.err;
}

TEST(Cli, DotenvNeverExecutesAnything) {
  const acme::test::TempDir temp("cli");
  const std::string dir = temp.str();
  const auto marker1 = dir + "/pwned1";
  const auto marker2 = dir + "/pwned2";
  // Relative paths: were anything executed, it would run in `dir` (the working directory).
  std::ofstream(dir + "/.env") << "X=$(touch pwned1)\n"
                               << "Y=`touch pwned2`\n"
                               << "ACME_SOURCE_SCHEMA=$(touch pwned1)\n";
  const auto r = run_process({ACME_BIN, "config"}, {}, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("$(touch"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(marker1));
  EXPECT_FALSE(std::filesystem::exists(marker2));
}

TEST(Cli, MalformedDotenvExits2WithLineNumber) {
  const acme::test::TempDir temp("cli");
  const std::string dir = temp.str();
  std::ofstream(dir + "/.env") << "A=1\nnot an assignment\n";
  const auto r = run_process({ACME_BIN, "config"}, {}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".env:2"), std::string::npos) << r.err;
}

TEST(Cli, ConfigMasksPasswords) {
  const acme::test::TempDir temp("cli");
  const std::string dir = temp.str();
  const auto r = run_process(
      {ACME_BIN, "config"},
      {"ACME_SOURCE_DSN=postgresql://u:hunter2@db/x", "ACME_TARGET_DSN=host=db password=hunter3"},
      dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("***"), std::string::npos) << r.out;
}

TEST(Cli, DsnPasswordsOnTheCommandLineAreHiddenFromTheProcessList) {
  // Port 1 refuses: continuous mode keeps retrying, so the process stays up to be looked at.
  acme::test::BackgroundProcess p({ACME_BIN, "run-continuous-etl", "--source-dsn",
                                   "postgresql://u:hunter2@127.0.0.1:1/x",
                                   "--target-dsn=host=127.0.0.1 port=1 user=u password=hunter3"},
                                  {"ACME_ENV_FILE=/dev/null"});
  // Read until acme has hidden them (between exec and main() they are still there), or 2 s.
  std::string cmdline;
  for (int i = 0; i < 100 && cmdline.find("****") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream f("/proc/" + std::to_string(p.pid()) + "/cmdline");
    std::ostringstream text;
    text << f.rdbuf();
    cmdline = text.str();
  }
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  EXPECT_EQ(cmdline.find("hunter2"), std::string::npos) << cmdline;
  EXPECT_EQ(cmdline.find("hunter3"), std::string::npos) << cmdline;
  EXPECT_NE(cmdline.find("postgresql://u:*******@127.0.0.1:1/x"), std::string::npos) << cmdline;
  EXPECT_NE(cmdline.find("user=u password=******"), std::string::npos) << cmdline;
  // Its first failed attempt names the DSNs: masked there too. Then it has its stop handlers.
  for (int i = 0; i < 500 && p.err().find("retrying in") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(p.err().find("retrying in"), std::string::npos) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10000), 0) << p.err();
  EXPECT_EQ(p.err().find("hunter"), std::string::npos) << p.err();
}

TEST(Cli, AMalformedDsnIsAConfigurationErrorThatHidesItsPassword) {
  const acme::test::TempDir temp("cli");
  for (const std::string dsn : {"host=127.0.0.1 password=hunter2 bogus=1",
                                "postgresql://u:hunter2@127.0.0.1:1/x?bogus=1"}) {
    const auto r = run_process(
        {ACME_BIN, "run-etl", "--source-dsn", dsn, "--target-dsn", "host=127.0.0.1 port=1"},
        {"ACME_ENV_FILE=/dev/null"}, temp.str());
    EXPECT_EQ(r.exit_code, 2) << r.err; // not 1: retrying (systemd) cannot mend it
    EXPECT_NE(r.err.find("ACME_SOURCE_DSN (--source-dsn) is not a libpq connection string"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  }
}

TEST(Cli, AnUnknownFlagIsOneErrorLineAndExitCodeTwo) {
  const acme::test::TempDir temp("cli");
  const auto r = run_process({ACME_BIN, "run-etl", "--bogus"}, {}, temp.str());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("acme: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  const auto help = run_process({ACME_BIN, "run-etl", "--help"}, {}, temp.str());
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("--batch-size"), std::string::npos) << help.out;
}

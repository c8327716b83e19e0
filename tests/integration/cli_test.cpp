#include "support/pg.hpp"
#include "support/temp_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

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

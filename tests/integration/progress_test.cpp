// What an operator sees while a full load or verify runs: a status line rewritten in place on a
// terminal, info log lines in a pipe (cron, systemd), JSON records only with --log-format json.
#include "support/pg.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using acme::test::ProcessResult;

// Single-quotes `word` for sh -c.
std::string sh_quote(const std::string& word) {
  std::string out = "'";
  for (const char c : word) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

class Progress : public acme::test::PgTest {
protected:
  void SetUp() override {
    PgTest::SetUp();
    // 12,000 orders x 25 items: 300,000 item rows, a full load of a second or more, analyzed
    // (pg_class.reltuples known) by acme-datagen.
    const ProcessResult fill = acme::test::run_process(
        {ACME_DATAGEN_BIN, "--schema", m_source_schema, "fill", "--customers", "500", "--products",
         "200", "--orders", "12000", "--items-per-order", "25", "--seed", "13"},
        {"ACME_SOURCE_DSN=" + acme::test::source_dsn(), "ACME_ENV_FILE=/dev/null"});
    ASSERT_EQ(fill.exit_code, 0) << fill.err;
  }

  // Runs acme with `args` under a pseudo-terminal (script(1)); stdout and stderr both go to it.
  ProcessResult acme_on_terminal(const std::vector<std::string>& args,
                                 const std::vector<std::string>& extra_env) const {
    std::string command = sh_quote(ACME_BIN);
    for (const auto& a : args) {
      command += " " + sh_quote(a);
    }
    auto env = acme_env();
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return acme::test::run_process({"/usr/bin/script", "-qfec", command, "/dev/null"}, env);
  }
};

TEST_F(Progress, FullLoadOnTerminalRewritesOneStatusLineAndClearsIt) {
  const auto r = acme_on_terminal({"run-etl", "--jobs", "2"}, {"ACME_PROGRESS_INTERVAL_MS=50"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // A rendered status line: carriage return, the operation, a table, its rows against the
  // source's estimate, and the rate.
  const auto at = r.out.find("\rfull load: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string line = r.out.substr(at + 1, r.out.find('\r', at + 1) - at - 1);
  EXPECT_NE(line.find("order_items "), std::string::npos) << line;
  EXPECT_NE(line.find("/~300,000 rows"), std::string::npos) << line;
  EXPECT_NE(r.out.find(" rows/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\x1b[K"), std::string::npos) << "each rendering clears the line's rest";
  // Cleared before the next log line: the summary line starts right after "\r" + clear.
  const auto summary = r.out.find(" info  sync complete: full");
  ASSERT_NE(summary, std::string::npos) << r.out;
  const auto clear = r.out.rfind("\r\x1b[K", summary);
  ASSERT_NE(clear, std::string::npos) << r.out;
  const std::string timestamp = r.out.substr(clear + 4, summary - clear - 4);
  EXPECT_EQ(timestamp.size(), std::string("2026-11-29T02:09:16.176Z").size()) << timestamp;
  EXPECT_EQ(timestamp.find("full load"), std::string::npos) << timestamp;
  EXPECT_EQ(tgt_exec("SELECT count(*) FROM " + m_target_schema + ".analytical_order_items")[0][0]
                .as<long>(),
            300000);
}

TEST_F(Progress, WithoutTerminalLogsInfoLinesAndNoCarriageReturn) {
  const auto load = acme({"run-etl", "--full"}, {"ACME_PROGRESS_INTERVAL_MS=50"});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.err.find('\r'), std::string::npos) << load.err;
  EXPECT_EQ(load.out.find('\r'), std::string::npos) << load.out;
  bool logged = false;
  for (const auto& line : lines_of(load.err)) {
    if (line.find(" info  full load: order_items ") != std::string::npos) {
      logged = true;
      EXPECT_NE(line.find("/~300,000 rows"), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(logged) << load.err;

  const auto verify = acme({"verify"}, {"ACME_PROGRESS_INTERVAL_MS=50"});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.err.find('\r'), std::string::npos) << verify.err;
  EXPECT_NE(verify.err.find(" info  verify: "), std::string::npos) << verify.err;

  // Drift in every item range: the row-by-row comparison of the differing ranges shows as steps.
  tgt_exec("DELETE FROM " + m_target_schema +
           ".analytical_order_items WHERE order_item_id % 50 = 0");
  const auto drift = acme({"verify"}, {"ACME_PROGRESS_INTERVAL_MS=20"});
  ASSERT_EQ(drift.exit_code, 4) << drift.out << drift.err;
  EXPECT_EQ(drift.err.find('\r'), std::string::npos) << drift.err;
  EXPECT_NE(drift.err.find(" info  verify: analytical_order_items differing ranges "),
            std::string::npos)
      << drift.err;
}

TEST_F(Progress, DefaultIntervalLogsNothingForAShortLoad) {
  // Without the override the first line comes after 10 s: a short load logs no progress at all.
  const auto load = acme({"run-etl"});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.err.find("full load: order"), std::string::npos) << load.err;
}

TEST_F(Progress, JsonLogFormatOnTerminalPrintsOnlyJsonLines) {
  const auto r =
      acme_on_terminal({"run-etl", "--log-format", "json"}, {"ACME_PROGRESS_INTERVAL_MS=50"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  int records = 0;
  bool progress = false;
  for (auto line : lines_of(r.out)) {
    // The terminal turns every "\n" into "\r\n"; any other carriage return is a status line.
    ASSERT_FALSE(line.empty()) << r.out;
    ASSERT_EQ(line.back(), '\r') << line;
    line.pop_back();
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
    const auto msg = j.find("msg");
    progress = progress || (msg != j.end() && msg->is_string() &&
                            msg->get_ref<const std::string&>().rfind("full load: ", 0) == 0);
    ++records;
  }
  EXPECT_GE(records, 2);
  EXPECT_TRUE(progress) << "progress comes as JSON records: " << r.out;
}

} // namespace

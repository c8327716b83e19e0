// A password given to acme in any form libpq accepts (or refuses) appears nowhere acme writes:
// its errors and logs, the target's run table, acme status and acme config, the process list.
#include "support/pg.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;

struct Form {
  const char* what;
  std::string dsn;     // points at a refused port, so every run fails and says why
  std::string secret;  // the password as written
  std::string decoded; // as libpq reads it
};

const std::vector<Form>& forms() {
  static const std::vector<Form> f{
      {"URI, percent-encoded base64", "postgresql://u:Zm9v%2FYmFy%2Bx%3D%40q@127.0.0.1:1/x",
       "Zm9v%2FYmFy%2Bx%3D%40q", "Zm9v/YmFy+x=@q"},
      {"URI, unencoded slash", "postgresql://u:Zm9vQ/YmFyZ@127.0.0.1:1/x", "Zm9vQ/YmFyZ", "YmFyZ"},
      {"URI, second password in the query",
       "postgresql://u@127.0.0.1:1/x?password=FirstPw11&password=SecondPw22", "FirstPw11",
       "SecondPw22"},
      {"key=value, tab-separated, sslpassword",
       "host=127.0.0.1\tport=1\tuser=u\tpassword=TabPw3344\tsslpassword=KeyPw5566", "TabPw3344",
       "KeyPw5566"},
      {"key=value with an escaped blank", "host=127.0.0.1 port=1 password=Esc\\ Pw7788",
       "Esc\\ Pw7788", "Esc Pw7788"},
  };
  return f;
}

class Secrets : public acme::test::PgTest {
protected:
  void expect_absent(const Form& f, const std::string& where, const std::string& text) {
    for (const auto& s : {f.secret, f.decoded}) {
      EXPECT_EQ(text.find(s), std::string::npos) << f.what << " in " << where << ":\n" << text;
    }
  }
};

TEST_F(Secrets, NoFormOfAPasswordAppearsInOutputLogsRunTableStatusOrProcessList) {
  ASSERT_EQ(acme({"migrate"}).exit_code, 0);
  for (const auto& f : forms()) {
    const std::vector<std::string> env{"ACME_SOURCE_DSN=" + f.dsn};
    const auto run = acme({"run-etl", "--log-format", "json"}, env);
    EXPECT_NE(run.exit_code, 0) << f.what;
    expect_absent(f, "run-etl", run.out + run.err);
    const auto config = acme({"config"}, env);
    expect_absent(f, "config", config.out + config.err);
    const auto status = acme({"status"}, env);
    expect_absent(f, "status", status.out + status.err);
    const auto bad_flag = acme({"run-etl", "--no-such-flag", f.dsn});
    EXPECT_EQ(bad_flag.exit_code, 2) << bad_flag.err;
    expect_absent(f, "a bad flag's error", bad_flag.out + bad_flag.err);
    const auto positional = acme({"run-etl", "--source-dsn=" + f.dsn, "extra", f.dsn});
    expect_absent(f, "an unexpected argument's error", positional.out + positional.err);
  }
  std::string errors;
  for (const auto& row :
       tgt_exec("SELECT COALESCE(error, '') FROM " + m_target_schema + ".acme_runs")) {
    errors += row[0].as<std::string>() + "\n";
  }
  EXPECT_NE(errors.find("cannot connect"), std::string::npos) << errors;
  for (const auto& f : forms()) {
    expect_absent(f, "acme_runs.error", errors);
  }
}

TEST_F(Secrets, ARunningAcmeShowsNoPasswordInTheProcessListOrItsRetryLog) {
  for (const auto& f : forms()) {
    auto p = acme_background({"run-continuous-etl", "--source-dsn", f.dsn}, {});
    for (int i = 0; i < 500 && p->err().find("retrying in") == std::string::npos; ++i) {
      std::this_thread::sleep_for(20ms);
    }
    std::ifstream file("/proc/" + std::to_string(p->pid()) + "/cmdline");
    std::ostringstream text;
    text << file.rdbuf();
    std::string cmdline = text.str();
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    expect_absent(f, "/proc/PID/cmdline", cmdline);
    EXPECT_NE(p->err().find("retrying in"), std::string::npos) << p->err();
    expect_absent(f, "the retry log", p->err());
    p->signal(SIGTERM);
    p->wait(10000);
  }
}

} // namespace

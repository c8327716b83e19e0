#pragma once

#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace acme::test {

// DSNs of the throwaway clusters (scripts/pg-local), from ACME_TEST_SOURCE_DSN and
// ACME_TEST_TARGET_DSN. Missing or unreachable databases make the test fail, never skip.
std::string source_dsn();
std::string target_dsn();

// The clusters ask every role for a password (scram-sha-256): a login role a test creates gets
// this one (CREATE ROLE ... LOGIN PASSWORD), and dsn_as() connects as it.
inline constexpr const char* k_test_role_password = "acme-test-role-pw";

// `dsn` with its user replaced by `role`, authenticating with k_test_role_password.
std::string dsn_as(const std::string& dsn, const std::string& role);

// A lowercase identifier unique to the running test and process, with `suffix`.
std::string unique_name(const std::string& suffix);

// Result of running a program to completion.
struct ProcessResult {
  int exit_code = -1; // -signal if killed by a signal
  std::string out;    // standard output
  std::string err;    // standard error
};

// Runs `argv` with `env` added to the environment (KEY=VALUE entries) and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env = {}, const std::string& cwd = "");

// A program running in the background with its output captured to files.
class BackgroundProcess {
public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  ~BackgroundProcess(); // SIGKILLs the process if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Sends `signal` to the process.
  void signal(int sig) const;
  // Waits up to `timeout_ms`; returns the exit code (-signal if killed) or nullopt on timeout.
  std::optional<int> wait(int timeout_ms);
  // Everything the process wrote to standard error (and output) so far.
  std::string err() const;
  std::string out() const;
  int pid() const { return m_pid; }

private:
  int m_pid = -1;
  std::optional<int> m_status;
  std::string m_out_path;
  std::string m_err_path;
};

// Base fixture: a fresh source schema (created from sql/source/schema.sql) and a fresh target
// schema name, both dropped when the test ends, plus connections to both databases.
class PgTest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  // Runs SQL on the source / target (autocommit) and returns the result.
  pqxx::result src_exec(const std::string& sql);
  pqxx::result tgt_exec(const std::string& sql);

  // Environment entries pointing acme at this test's schemas.
  std::vector<std::string> acme_env() const;

  // Runs the acme binary with this test's environment plus `extra_env`.
  ProcessResult acme(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env = {}) const;

  // Starts the acme binary in the background with this test's environment plus `extra_env`.
  std::unique_ptr<BackgroundProcess>
  acme_background(const std::vector<std::string>& args,
                  const std::vector<std::string>& extra_env = {}) const;

  std::string m_source_schema;
  std::string m_target_schema;
  std::unique_ptr<pqxx::connection> m_src;
  std::unique_ptr<pqxx::connection> m_tgt;
};

} // namespace acme::test

#include "support/pg.hpp"

#include "acme/db/connection.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace acme::test {
namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: start the test clusters with scripts/pg-local start "
                  << "and export it (scripts/test does both)";
    throw std::runtime_error(std::string(name) + " is not set");
  }
  return v;
}

} // namespace

namespace {
// In a forked child: adds `env` to the environment and executes `argv`; never returns.
[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env) {
  // The caller's own acme settings (ACME_ENV_FILE, ACME_SOURCE_SCHEMA, ... exported in the shell
  // that runs the tests) never reach the process under test: each test states its environment.
  // The harness's ACME_TEST_* and scripts/pg-local's ACME_PG_* (where the clusters live) stay.
  std::vector<std::string> inherited;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv(*e);
    if (kv.rfind("ACME_", 0) == 0 && kv.rfind("ACME_TEST_", 0) != 0 &&
        kv.rfind("ACME_PG_", 0) != 0) {
      inherited.push_back(kv.substr(0, kv.find('=')));
    }
  }
  for (const auto& name : inherited) {
    unsetenv(name.c_str());
  }
  for (const auto& kv : env) {
    const auto eq = kv.find('=');
    setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
  }
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str())); // NOLINT: execv's signature
  }
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}
} // namespace

std::string source_dsn() {
  return required_env("ACME_TEST_SOURCE_DSN");
}
std::string target_dsn() {
  return required_env("ACME_TEST_TARGET_DSN");
}

std::string dsn_as(const std::string& dsn, const std::string& role) {
  // A later keyword wins in both forms.
  if (dsn.find("://") == std::string::npos) {
    return dsn + " user=" + role + " password=" + k_test_role_password;
  }
  return dsn + (dsn.find('?') != std::string::npos ? "&" : "?") + "user=" + role +
         "&password=" + k_test_role_password;
}

std::string unique_name(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string base =
      info != nullptr ? std::string(info->test_suite_name()) + "_" + info->name() : "t";
  std::string out;
  for (char c : base) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '_';
  }
  if (out.size() > 40) {
    out = out.substr(0, 40);
  }
  return "t_" + out + "_" + std::to_string(::getpid()) + "_" + suffix;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& cwd) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const pid_t pid = fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      _exit(127);
    }
    exec_child(argv, env);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  ProcessResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[8192];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
        }
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return r;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env) {
  const std::string base =
      ::testing::TempDir() + unique_name("bg") + "_" + std::to_string(std::rand());
  m_out_path = base + ".out";
  m_err_path = base + ".err";
  const pid_t pid = fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    const int out = open(m_out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(m_err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    exec_child(argv, env);
  }
  m_pid = pid;
}

BackgroundProcess::~BackgroundProcess() {
  if (!m_status) {
    kill(m_pid, SIGKILL);
    int status = 0;
    waitpid(m_pid, &status, 0);
  }
  std::remove(m_out_path.c_str());
  std::remove(m_err_path.c_str());
}

void BackgroundProcess::signal(int sig) const {
  kill(m_pid, sig);
}

std::optional<int> BackgroundProcess::wait(int timeout_ms) {
  if (m_status) {
    return m_status;
  }
  for (int waited = 0;; waited += 10) {
    int status = 0;
    const pid_t r = waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      return m_status;
    }
    if (waited >= timeout_ms) {
      return std::nullopt;
    }
    usleep(10000);
  }
}

namespace {
std::string slurp(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return {};
  }
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
  }
  std::fclose(f);
  return out;
}
} // namespace

std::string BackgroundProcess::err() const {
  return slurp(m_err_path);
}
std::string BackgroundProcess::out() const {
  return slurp(m_out_path);
}

std::unique_ptr<BackgroundProcess>
PgTest::acme_background(const std::vector<std::string>& args,
                        const std::vector<std::string>& extra_env) const {
  std::vector<std::string> argv{ACME_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = acme_env();
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return std::make_unique<BackgroundProcess>(argv, env);
}

void PgTest::SetUp() {
  m_source_schema = unique_name("src");
  m_target_schema = unique_name("tgt");
  m_src = std::make_unique<pqxx::connection>(source_dsn());
  m_tgt = std::make_unique<pqxx::connection>(target_dsn());
  src_exec("DROP SCHEMA IF EXISTS " + db::quote_ident(m_source_schema) + " CASCADE");
  tgt_exec("DROP SCHEMA IF EXISTS " + db::quote_ident(m_target_schema) + " CASCADE");
  src_exec(db::with_schema(sql::source_schema, m_source_schema));
}

void PgTest::TearDown() {
  if (m_src && ::testing::Test::HasFailure() && std::getenv("ACME_TEST_KEEP") != nullptr) {
    return; // keep the schemas for inspection
  }
  try {
    if (m_src) {
      src_exec("DROP SCHEMA IF EXISTS " + db::quote_ident(m_source_schema) + " CASCADE");
    }
    if (m_tgt) {
      tgt_exec("DROP SCHEMA IF EXISTS " + db::quote_ident(m_target_schema) + " CASCADE");
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cleanup failed: " << e.what();
  }
}

pqxx::result PgTest::src_exec(const std::string& sql) {
  pqxx::nontransaction tx(*m_src);
  return tx.exec(sql);
}

pqxx::result PgTest::tgt_exec(const std::string& sql) {
  pqxx::nontransaction tx(*m_tgt);
  return tx.exec(sql);
}

std::vector<std::string> PgTest::acme_env() const {
  return {"ACME_SOURCE_DSN=" + source_dsn(), "ACME_TARGET_DSN=" + target_dsn(),
          "ACME_SOURCE_SCHEMA=" + m_source_schema, "ACME_TARGET_SCHEMA=" + m_target_schema,
          "ACME_ENV_FILE=/dev/null"};
}

ProcessResult PgTest::acme(const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env) const {
  std::vector<std::string> argv{ACME_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = acme_env();
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return run_process(argv, env);
}

} // namespace acme::test

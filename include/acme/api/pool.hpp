// A bounded pool of read-only target sessions for `acme serve`: at most N connections, each
// with a statement timeout, lent to one request at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace acme::api {

// Thrown when no session frees up within the wait: the server answers 503.
struct PoolExhausted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ConnectionPool {
public:
  // Sessions are opened on demand (up to `size`), tagged "acme serve", read-only by default,
  // each statement bounded by `statement_timeout`.
  ConnectionPool(std::string dsn, int size, std::chrono::milliseconds statement_timeout);

  // A connection lent to one request; returned to the pool when destroyed. A lease whose
  // connection broke (or that saw an error) is discarded instead, and a new one is opened later.
  class Lease {
  public:
    Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&&) = delete;
    Lease& operator=(Lease&&) = delete;
    pqxx::connection& operator*() { return *m_conn; }
    pqxx::connection* operator->() { return m_conn.get(); }
    // Drop the connection instead of returning it (after an error it may be in any state).
    void discard() { m_discard = true; }

  private:
    ConnectionPool& m_pool;
    std::unique_ptr<pqxx::connection> m_conn;
    bool m_discard = false;
  };

  // Waits up to `wait` for a free session; throws PoolExhausted after that, acme::Error /
  // acme::Fatal (classified, password masked) when a new session cannot be opened.
  std::unique_ptr<Lease> acquire(std::chrono::milliseconds wait);

  int size() const { return m_size; }
  int in_use() const;

private:
  void give_back(std::unique_ptr<pqxx::connection> conn, bool discard);
  std::unique_ptr<pqxx::connection> open() const;

  std::string m_dsn;
  int m_size;
  std::chrono::milliseconds m_statement_timeout;
  mutable std::mutex m_mutex;
  std::condition_variable m_freed;
  std::vector<std::unique_ptr<pqxx::connection>> m_idle;
  int m_open = 0; // idle + lent
  int m_lent = 0;
};

} // namespace acme::api

#include "acme/api/pool.hpp"

#include "acme/db/connection.hpp"

#include <pqxx/nontransaction>

namespace acme::api {

ConnectionPool::ConnectionPool(std::string dsn, int size,
                               std::chrono::milliseconds statement_timeout)
    : m_dsn(std::move(dsn)), m_size(size), m_statement_timeout(statement_timeout) {}

std::unique_ptr<pqxx::connection> ConnectionPool::open() const {
  auto conn = db::connect(m_dsn, "target", "acme serve");
  pqxx::nontransaction tx(*conn);
  // Every statement of the API reads; a runaway one ends at the timeout.
  tx.exec("SET default_transaction_read_only = on");
  tx.exec("SET statement_timeout = " + std::to_string(m_statement_timeout.count()));
  return conn;
}

std::unique_ptr<ConnectionPool::Lease> ConnectionPool::acquire(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(m_mutex);
  if (!m_freed.wait_for(lock, wait, [this] { return !m_idle.empty() || m_open < m_size; })) {
    throw PoolExhausted("every database session is busy");
  }
  if (!m_idle.empty()) {
    auto conn = std::move(m_idle.back());
    m_idle.pop_back();
    ++m_lent;
    return std::make_unique<Lease>(*this, std::move(conn));
  }
  ++m_open; // reserved before connecting, outside the lock
  ++m_lent;
  lock.unlock();
  try {
    return std::make_unique<Lease>(*this, open());
  } catch (...) {
    lock.lock();
    --m_open;
    --m_lent;
    m_freed.notify_one();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> conn, bool discard) {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    --m_lent;
    if (discard || !conn->is_open()) {
      --m_open;
    } else {
      m_idle.push_back(std::move(conn));
    }
  }
  m_freed.notify_one();
}

int ConnectionPool::in_use() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_lent;
}

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn)
    : m_pool(pool), m_conn(std::move(conn)) {}

ConnectionPool::Lease::~Lease() {
  m_pool.give_back(std::move(m_conn), m_discard);
}

} // namespace acme::api

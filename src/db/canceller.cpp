#include "acme/db/canceller.hpp"

#include <utility>

namespace acme::db {

StatementCanceller::StatementCanceller(std::function<bool()> should_cancel,
                                       std::function<void()> cancel,
                                       std::chrono::milliseconds period)
    : m_should_cancel(std::move(should_cancel)), m_cancel(std::move(cancel)), m_period(period),
      m_thread([this] {
        std::unique_lock<std::mutex> lock(m_mutex);
        while (!m_wake.wait_for(lock, m_period, [this] { return m_done; })) {
          if (m_should_cancel()) {
            m_cancel();
          }
        }
      }) {}

StatementCanceller::~StatementCanceller() {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_done = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

} // namespace acme::db

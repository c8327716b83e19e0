// StatementCanceller: a thread that cancels the server statements in flight once a stop is
// requested, so that a stop does not wait for a long or blocked statement.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace acme::db {

// While it lives, watches `should_cancel` every `period` and, once it holds, calls `cancel`
// (which asks the server to cancel the statements in flight) at every check: a statement that
// started just after one request is cancelled by the next. Used so that a stop request does not
// wait for a statement that blocks on a lock or runs long (an index build, a scan); a cancelled
// statement fails with SQLSTATE 57014, and a request that reaches an idle session is ignored by
// the server. Destroy it before any cleanup statement that must not be cancelled: the destructor
// returns at once (no waiting out a period).
class StatementCanceller {
public:
  StatementCanceller(std::function<bool()> should_cancel, std::function<void()> cancel,
                     std::chrono::milliseconds period = std::chrono::milliseconds(50));
  ~StatementCanceller();
  StatementCanceller(const StatementCanceller&) = delete;
  StatementCanceller& operator=(const StatementCanceller&) = delete;

private:
  std::function<bool()> m_should_cancel;
  std::function<void()> m_cancel;
  std::chrono::milliseconds m_period;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_done = false;
  std::thread m_thread; // last: starts after the members it reads
};

} // namespace acme::db

#include "acme/cdc/feedback.hpp"

#include <algorithm>

namespace acme::cdc {

Lsn flush_position(Lsn received, Lsn durable, Lsn reported, bool pending) {
  const Lsn safe = pending ? durable : std::max(received, durable);
  return std::max(safe, reported);
}

void FeedbackTracker::on_received(Lsn lsn) {
  m_received = std::max(m_received, lsn);
}

void FeedbackTracker::on_begin() {
  m_in_transaction = true;
}

void FeedbackTracker::on_commit(Lsn end_lsn) {
  m_in_transaction = false;
  m_last_commit = std::max(m_last_commit, end_lsn);
}

void FeedbackTracker::mark_durable(Lsn lsn) {
  m_durable = std::max(m_durable, lsn);
}

Lsn FeedbackTracker::next_report() {
  m_reported = flush_position(m_received, m_durable, m_reported, pending());
  return m_reported;
}

} // namespace acme::cdc

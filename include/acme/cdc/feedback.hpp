// What a CDC stream confirms to the server: the flush position rule, and the tracker of the
// received, pending and durable positions behind every standby status update.
#pragma once

#include "acme/cdc/lsn.hpp"

namespace acme::cdc {

// The flush position to confirm to the server. While a transaction is open or applied but not
// yet durable in the target (`pending`), only `durable` (the end LSN of the last commit the
// target has committed) is safe. With nothing pending, everything the server has sent up to
// `received` is handled, including WAL of tables outside the publication: confirming it keeps an
// idle publication from pinning WAL while other tables are busy. Never less than `reported`, the
// position confirmed before, because the server must not see the slot move backwards.
Lsn flush_position(Lsn received, Lsn durable, Lsn reported, bool pending);

// Tracks what the stream delivered and what the target made durable, and derives the position
// to report in standby status updates.
class FeedbackTracker {
public:
  // Starts from the slot's position (its confirmed flush or consistent point).
  explicit FeedbackTracker(Lsn start = {})
      : m_received(start), m_durable(start), m_reported(start) {}

  // An XLogData (its start) or keepalive (its WAL end) reached the client.
  void on_received(Lsn lsn);
  // A Begin arrived: a transaction is open until its Commit is durable.
  void on_begin();
  // A Commit arrived; its changes are pending until mark_durable(end_lsn).
  void on_commit(Lsn end_lsn);
  // The target committed everything up to `lsn` (a Commit's end LSN).
  void mark_durable(Lsn lsn);

  // Whether something received is not durable in the target yet.
  bool pending() const { return m_in_transaction || m_last_commit > m_durable; }
  Lsn received() const { return m_received; }
  Lsn durable() const { return m_durable; }

  // The position to send as written/flushed/applied now; remembered as reported.
  Lsn next_report();

private:
  Lsn m_received;
  Lsn m_durable;
  Lsn m_reported;
  Lsn m_last_commit;
  bool m_in_transaction = false;
};

} // namespace acme::cdc

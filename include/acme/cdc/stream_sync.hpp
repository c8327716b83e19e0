#pragma once

#include "acme/cdc/change_batch.hpp"
#include "acme/cdc/feedback.hpp"
#include "acme/config/config.hpp"
#include "acme/etl/sync.hpp"
#include "acme/ops/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace acme::db {
class ReplicationConnection;
}

namespace acme::cdc {

// What a streaming run did.
struct StreamResult {
  long flushes = 0;              // target transactions committed
  std::int64_t changes = 0;      // row changes received from the stream and applied
  std::int64_t rows_written = 0; // target rows inserted, updated or deleted
  bool snapshot = false;         // the run began with a snapshot hand-off
  std::string applied_lsn;       // end LSN of the last source commit applied
};

// CDC mode's change source: the source's logical replication stream (pgoutput) read through
// acme's own slot. Changes go through the same Loader as polling (staging, merge and fan-out
// SQL of sql/etl/), several source transactions per target transaction. The end LSN of the last
// applied source commit is stored in that target transaction, and confirmed to the server only
// after it committed; on restart, transactions at or below the stored LSN are skipped. The first
// start (and the first after a polling cycle, or after the slot was lost) creates the slot with
// an exported snapshot and brings the target to exactly that snapshot, then streams from the
// slot's consistent point: no gap, no overlap.
class StreamSyncer {
public:
  StreamSyncer(config::Config config, std::function<bool()> should_stop);
  ~StreamSyncer();
  StreamSyncer(const StreamSyncer&) = delete;
  StreamSyncer& operator=(const StreamSyncer&) = delete;

  // Streams until `should_stop` returns true or, with `until_current`, until everything the
  // source committed before the call is applied and confirmed. Lost connections throw
  // acme::Error (each flush is atomic, so the caller may simply run again); a slot held by
  // another process is acme::LockedError; a lost slot is re-created once per StreamSyncer.
  StreamResult run(bool until_current);

  // Every committed flush is reported to `metrics` (which must outlive this object).
  void set_metrics(ops::Metrics& metrics) { m_metrics = &metrics; }
  // Where flushes and failures are reported (no_metrics() unless set).
  ops::Metrics& metrics() { return *m_metrics; }

  // Forgets the connections after a failure; the next run reconnects.
  void reset();

private:
  struct Stream; // the state of one streaming session
  void open_stream(Stream& s, bool until_current);
  void handle(Stream& s, const std::string& message);
  void flush(Stream& s);
  void send_status(Stream& s, bool reply_requested = false);

  config::Config m_config;
  std::function<bool()> m_should_stop;
  ops::Metrics* m_metrics = &ops::no_metrics();
  etl::Syncer m_syncer; // connections, writer lock, migrations and the snapshot hand-off
  bool m_recreated_slot = false;
};

// Streams until `should_stop`: a lost connection, a restarting server or a terminated walsender
// is logged and the stream reopened with the capped exponential backoff of polling mode;
// acme::Fatal propagates. Returns the number of target transactions committed.
long run_continuous(StreamSyncer& syncer, std::chrono::milliseconds backoff_base,
                    std::chrono::milliseconds backoff_cap,
                    const std::function<bool()>& should_stop);

} // namespace acme::cdc

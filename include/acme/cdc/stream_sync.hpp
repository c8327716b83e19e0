// CDC mode's sync: StreamSyncer applies the source's logical replication stream to the target
// through the same Stager and Transformer as polling, and run_continuous() keeps it streaming
// across failures.
#pragma once

#include "acme/cdc/change_batch.hpp"
#include "acme/cdc/feedback.hpp"
#include "acme/cdc/start_plan.hpp"
#include "acme/config/config.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/sync.hpp"
#include "acme/etl/sync_state.hpp"
#include "acme/etl/transformer.hpp"
#include "acme/obs/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

namespace acme::cdc {

class ReplicationConnection;
struct CreatedSlot;

// What a streaming run did.
struct StreamResult {
  long flushes = 0;              // target transactions committed
  std::int64_t changes = 0;      // row changes received from the stream and applied
  std::int64_t rows_written = 0; // target rows inserted, updated or deleted
  bool snapshot = false;         // the run began with a snapshot hand-off
  std::string applied_lsn;       // end LSN of the last source commit applied
};

// CDC mode's change source: the source's logical replication stream (pgoutput) read through
// acme's own slot. Changes go through the same Stager as polling (staging, merge and fan-out
// SQL of sql/etl/), several source transactions per target transaction, and a source
// transaction is never split across target transactions. The end LSN of the last applied source
// commit is stored in that target transaction, and confirmed to the server only after it
// committed; an idle position is stored before it is confirmed too, so the slot is never ahead
// of the target. On restart, transactions at or below the stored LSN are skipped. The first
// start (and the first after a polling cycle, or after the slot was lost, or found ahead of the
// target) records that a snapshot is needed, creates the slot with an exported snapshot and
// brings the target to exactly that snapshot, then streams from the slot's consistent point: no
// gap, no overlap, whichever step a crash interrupts.
class StreamSyncer {
public:
  StreamSyncer(config::Config config, std::function<bool()> should_stop);
  ~StreamSyncer();
  StreamSyncer(const StreamSyncer&) = delete;
  StreamSyncer& operator=(const StreamSyncer&) = delete;

  // Streams until `should_stop` returns true or, with `until_current`, until everything the
  // source committed before the call is applied and confirmed. Lost connections (either side),
  // a stream silent for ACME_CDC_RECEIVE_TIMEOUT, deadlocks and cancels throw acme::Error (each
  // flush is atomic, so the caller may simply run again); a slot another process still holds
  // after ACME_CDC_SLOT_WAIT is acme::LockedError; a lost slot is re-created once per
  // StreamSyncer.
  StreamResult run(bool until_current);

  // Every committed flush is reported to `metrics` (which must outlive this object).
  void set_metrics(obs::Metrics& metrics) { m_metrics = &metrics; }
  // Where flushes and failures are reported (no_metrics() unless set).
  obs::Metrics& metrics() { return *m_metrics; }

  // Forgets the connections after a failure; the next run reconnects.
  void reset();

private:
  struct Stream; // the state of one streaming session
  class StatusPump;
  StreamResult stream(bool until_current);
  void open_stream(Stream& s, bool until_current);
  // Replaces the slot and loads its snapshot (open_stream, when the plan says so).
  void hand_off(Stream& s, const StartPlan& plan, bool slot_exists);
  void handle(Stream& s, const std::string& message);
  void on_silence(Stream& s);
  void flush(Stream& s);
  // Fills a new target session's caches before it streams (see the definition).
  void prime_session(const Stream& s);
  etl::Transformer::HistoryContext history_context(const Stream& s) const;
  // flush()'s steps: stage the batch (returns the tables whose key sets changed), merge it, and
  // commit the source transaction's target transaction (returns whether the position advanced).
  std::vector<std::string> stage_batch(Stream& s, etl::Stager& stager);
  void merge_batch(Stream& s, pqxx::work& ttx, const std::vector<std::string>& key_tables,
                   bool closed_changed);
  bool commit_transaction(Stream& s, etl::SyncState& sync_state, pqxx::work& ttx);
  // A standby status update; an idle position is stored in the target first (throttled unless
  // `store_position`), and nothing above the stored position is ever confirmed.
  void send_status(Stream& s, bool reply_requested = false, bool store_position = false);
  bool stop_requested() const;
  // acme::Fatal if the publication is missing, UsageError (exit 2) naming every gap if it no
  // longer serves the contract (cdc::publication_gaps).
  void check_publication();
  std::optional<SlotView> read_slot();
  // "pid N, application '...', role r, connected since ..." of the slot's active walsender.
  std::string slot_holder();
  // Runs `step`, retrying while the slot is in use (SQLSTATE 55006) for ACME_CDC_SLOT_WAIT.
  template <typename Step> void wait_for_slot(std::string_view what, Step&& step);
  // CREATE_REPLICATION_SLOT, saying which transaction it waits for; on giving up, ends the
  // walsender so that no half-made slot stays behind.
  cdc::CreatedSlot create_slot(Stream& s);

  config::Config m_config;
  std::function<bool()> m_should_stop;
  obs::Metrics* m_metrics = &obs::no_metrics();
  etl::Syncer m_syncer; // connections, writer lock, migrations and the snapshot hand-off
  bool m_recreated_slot = false;
};

// Streams until `should_stop`: a lost connection, a restarting server or a terminated walsender
// is logged and the stream reopened through etl::run_with_retries, the retry loop polling mode
// uses too; acme::Fatal propagates. Returns the number of target transactions committed.
long run_continuous(StreamSyncer& syncer, std::chrono::milliseconds backoff_base,
                    std::chrono::milliseconds backoff_cap,
                    const std::function<bool()>& should_stop);

} // namespace acme::cdc

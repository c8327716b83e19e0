#include "acme/cdc/stream_sync.hpp"

#include "acme/cdc/admin.hpp"
#include "acme/cdc/pgoutput.hpp"
#include "acme/cdc/replication_connection.hpp"
#include "acme/cdc/slot.hpp"
#include "acme/cdc/start_plan.hpp"
#include "acme/config/dsn.hpp"
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/etl/backoff.hpp"
#include "acme/etl/cdc_position.hpp"
#include "acme/etl/continuous.hpp"
#include "acme/etl/extractor.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/sync_state.hpp"
#include "acme/etl/transformer.hpp"
#include "acme/sql/embedded.hpp"
#include "acme/test_point.hpp"

#include <condition_variable>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

namespace acme::cdc {
namespace {

// Received row changes that make a flush due even while more input is waiting: bounds memory. A
// source transaction of millions of rows is applied in slices of this size, all in one target
// transaction that commits with its last slice: readers never see part of it.
constexpr std::int64_t k_flush_changes = 20000;
// Standby status at least this often, so the server never times the stream out.
constexpr auto k_status_interval = std::chrono::seconds(10);
// While a flush runs the stream is not read: a status this often keeps the walsender from
// ending the stream (wal_sender_timeout) during a long flush.
constexpr auto k_flush_status_interval = std::chrono::seconds(1);
// Longest single wait for stream input, so stop requests are seen promptly.
constexpr auto k_poll = std::chrono::milliseconds(200);
// An idle position (nothing of ours pending) is stored in the target at most this often before
// it is confirmed; confirmed positions never pass the stored one.
constexpr auto k_position_interval = std::chrono::seconds(1);
// An idle stream refreshes its stored position this often even when it did not move: the
// heartbeat by which acme status tells an idle stream from a stopped one (ACME_MAX_SYNC_AGE).
constexpr auto k_heartbeat_interval = std::chrono::seconds(30);
// How often a stream checks that the publication still serves the contract: a table dropped
// from it, or a narrowed `publish`, would otherwise just stop its changes from arriving.
constexpr auto k_publication_check = std::chrono::seconds(10);

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}+00", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

// A commit time as PostgreSQL timestamptz text, UTC, microseconds.
std::string utc_text(PgTimestamp ts) {
  const auto tp = to_time_point(ts);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
  const std::time_t secs = us / 1000000 - (us % 1000000 < 0 ? 1 : 0);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ((us % 1000000) + 1000000) % 1000000);
}

// Adds one flush's changes of a table to its tally in the open transaction's rows: upserts and
// deletes add up, a truncation sticks. (Read with find(), not json::value(): GCC 12 at -O2 warns
// of a null dereference inside the inlined value<bool>.)
void tally(nlohmann::json& r, std::int64_t upserts, std::int64_t deletes, bool truncated) {
  if (!r.is_object()) {
    r = nlohmann::json::object();
  }
  const auto count = [&r](const char* key) {
    const auto it = r.find(key);
    return it != r.end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t{0};
  };
  const auto was = r.find("truncated");
  const bool was_truncated = was != r.end() && *was == true;
  r["upserts"] = count("upserts") + upserts;
  r["deletes"] = count("deletes") + deletes;
  r["truncated"] = was_truncated || truncated;
}

// The history event rows of one table, in acme_evt_* column order; truncations apart.
std::vector<Row> event_rows(const std::string& table,
                            const std::vector<ChangeBatch::Event>& events) {
  std::vector<Row> rows;
  rows.reserve(events.size());
  for (const auto& e : events) {
    if (e.key < 0) {
      continue;
    }
    Row r{std::to_string(e.seq), std::to_string(e.key), e.deleted ? "t" : "f"};
    const auto col = [&](std::size_t i) -> std::optional<std::string> {
      return e.deleted || i >= e.row.size() ? std::nullopt : e.row[i];
    };
    if (table == "orders") { // order_id, order_date, delivery_date, customer_id, status, updated_at
      r.push_back(col(4));
      r.push_back(col(5));
    } else { // customer_id, customer_name, is_active, customer_address, updated_at
      r.push_back(col(1));
      r.push_back(col(3));
      r.push_back(col(2));
      r.push_back(col(4));
    }
    r.push_back(utc_text(e.commit_time));
    rows.push_back(std::move(r));
  }
  return rows;
}

} // namespace

struct StreamSyncer::Stream {
  std::unique_ptr<cdc::ReplicationConnection> repl;
  RelationMap relations;
  ChangeBatch batch;
  FeedbackTracker feedback;
  Lsn applied;      // the position stored in the target: everything up to it is applied
  Lsn batch_commit; // end LSN of the last complete source commit in `batch`
  Lsn reported;     // the last flush position sent to the server (never above `applied`)
  // The target transaction of a source transaction applied in slices: open until its commit.
  std::unique_ptr<pqxx::work> open_tx;
  std::string open_tx_started_at;
  nlohmann::json open_tx_rows;
  std::int64_t open_tx_changes = 0;
  std::int64_t open_tx_written = 0;
  Lsn stop_at;           // run-etl: the source's WAL position at start (0: stream until stopped)
  std::string time_zone; // the source writers' time zone (dates commit times in history)
  bool in_transaction = false;
  bool skipping = false; // the current source transaction was applied before
  std::optional<std::chrono::steady_clock::time_point> first_change;
  // Since the last flush ended, every receive found input already waiting: it arrived while
  // that flush ran (the loop does not read during a flush), so it has waited since the flush
  // started, not since it was read.
  bool backlog = false;
  // The last receive found nothing waiting: everything the server sent so far is in the batch.
  bool drained = false;
  std::chrono::steady_clock::time_point flush_started;
  std::chrono::steady_clock::time_point last_status = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_input = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_position_store;
  std::chrono::steady_clock::time_point last_publication_check = std::chrono::steady_clock::now();
  bool ping_sent = false; // asked the server for a reply since the last input
  StreamResult result;

  // A change of ours arrived: the batch's wait starts with the first one.
  void note_change() {
    if (!first_change) {
      first_change = backlog ? flush_started : std::chrono::steady_clock::now();
    }
  }

  explicit Stream(const std::string& schema) : relations(schema) {}
};

StreamSyncer::StreamSyncer(config::Config config, std::function<bool()> should_stop)
    : m_config(std::move(config)), m_should_stop(std::move(should_stop)),
      m_syncer(m_config, m_should_stop) {}

StreamSyncer::~StreamSyncer() = default;

void StreamSyncer::reset() {
  m_syncer.reset();
}

void StreamSyncer::check_publication() {
  const auto gaps = publication_gaps(m_syncer.source(), m_config);
  if (!gaps) {
    throw Fatal(fmt::format(
        "publication '{}' does not exist in the source database: run acme cdc setup (or have "
        "the tables' owner create it; acme doctor --mode cdc prints the statement), or set "
        "ACME_CDC_PUBLICATION to the publication's name",
        m_config.cdc_publication));
  }
  if (gaps->empty()) {
    return;
  }
  std::string text;
  for (const auto& g : *gaps) {
    text += (text.empty() ? "" : "; ") + g;
  }
  throw UsageError(fmt::format("the publication no longer serves the contract, so changes would "
                               "be lost: {}. acme cdc setup prints the statements that fix it",
                               text));
}

bool StreamSyncer::stop_requested() const {
  return m_should_stop && m_should_stop();
}

std::optional<SlotView> StreamSyncer::read_slot() {
  pqxx::nontransaction tx(m_syncer.source(), "acme cdc slot");
  const auto kind = slot_kind(tx, m_config.cdc_slot);
  if (!kind) {
    return std::nullopt;
  }
  if (!kind->ours) {
    throw Fatal(fmt::format("replication slot '{}' exists but is not acme's ({}; acme streams a "
                            "logical pgoutput slot of the source database): set ACME_CDC_SLOT to "
                            "another name",
                            m_config.cdc_slot, kind->kind));
  }
  const auto r = tx.exec_params(std::string(sql::source_cdc_slot_position), m_config.cdc_slot);
  if (r.empty()) {
    return std::nullopt; // dropped in between
  }
  return SlotView{r[0][0].as<std::string>() == "lost", Lsn::parse(r[0][1].as<std::string>())};
}

std::string StreamSyncer::slot_holder() {
  try {
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc slot holder");
    const auto r = tx.exec_params(std::string(sql::source_cdc_slot_holder), m_config.cdc_slot);
    if (r.empty()) {
      return "another process (it has just released it)";
    }
    std::string who = "pid " + r[0][0].as<std::string>("?");
    const auto app = r[0][1].as<std::string>();
    who += app.empty() ? "" : fmt::format(", application '{}'", app);
    const auto role = r[0][2].as<std::string>();
    who += role.empty() ? "" : fmt::format(", role {}", role);
    const auto since = r[0][3].as<std::string>();
    who += since.empty() ? "" : fmt::format(", connected since {}", since);
    return who;
  } catch (const std::exception&) {
    return "another process";
  }
}

template <typename Step> void StreamSyncer::wait_for_slot(std::string_view what, Step&& step) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + m_config.cdc_slot_wait;
  int attempt = 0;
  std::optional<std::chrono::steady_clock::time_point> next_report;
  for (;;) {
    try {
      step();
      if (next_report) {
        spdlog::info(
            "replication slot '{}' was released after {:.1f} s", m_config.cdc_slot,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      return;
    } catch (const LockedError&) {
      // SQLSTATE 55006: often acme's own previous walsender, which exits once it notices its
      // client is gone (at the latest after wal_sender_timeout).
      const auto now = std::chrono::steady_clock::now();
      const std::string holder = slot_holder();
      if (now >= deadline) {
        throw LockedError(fmt::format(
            "{}: replication slot '{}' is in use by {} and was not released within {:.0f} s "
            "(ACME_CDC_SLOT_WAIT): stop that process, or give this acme its own slot "
            "(ACME_CDC_SLOT) [SQLSTATE 55006]",
            what, m_config.cdc_slot, holder,
            std::chrono::duration<double>(m_config.cdc_slot_wait).count()));
      }
      if (!next_report || now >= *next_report) {
        spdlog::warn("{}: replication slot '{}' is in use by {}; waiting up to {:.0f} s more for "
                     "it to be released",
                     what, m_config.cdc_slot, holder,
                     std::chrono::duration<double>(deadline - now).count());
        next_report = now + std::chrono::seconds(10);
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      const auto delay = etl::backoff_delay(attempt++, std::chrono::milliseconds(250),
                                            std::chrono::milliseconds(5000), 1.0);
      if (!etl::sleep_unless_stopped(std::min(delay, left), [this] { return stop_requested(); })) {
        throw etl::Interrupted("stop requested while waiting for the replication slot");
      }
    }
  }
}

cdc::CreatedSlot StreamSyncer::create_slot(Stream& s) {
  const auto& slot = m_config.cdc_slot;
  const int walsender = s.repl->backend_pid();
  std::string blocker;
  const auto report = [&](std::chrono::milliseconds waited) {
    try {
      pqxx::nontransaction tx(m_syncer.source(), "acme cdc slot creation");
      const auto r = tx.exec_params(std::string(sql::source_cdc_slot_creation_blocker), walsender);
      blocker = r.empty() ? "a transaction this role cannot see (grant it pg_read_all_stats)"
                          : fmt::format("{}, open for {} s", r[0][0].as<std::string>(),
                                        r[0][1].as<std::string>());
    } catch (const std::exception&) {
      blocker = "a transaction acme could not identify";
    }
    spdlog::warn("creating replication slot '{}' has waited {:.0f} s for the transactions that "
                 "were open when it began to end (up to {:.0f} s, ACME_CDC_SLOT_WAIT); the oldest: "
                 "{}",
                 slot, std::chrono::duration<double>(waited).count(),
                 std::chrono::duration<double>(m_config.cdc_slot_wait).count(), blocker);
  };
  try {
    return s.repl->create_slot(slot, cdc::SlotSnapshot::exported, m_config.cdc_slot_wait, report);
  } catch (const Error& e) {
    // The walsender may still wait, holding a half-made slot (and its WAL): end it, so that no
    // slot is left behind and the next attempt starts clean.
    try {
      pqxx::nontransaction tx(m_syncer.source(), "acme cdc abandon slot");
      tx.exec_params("SELECT pg_terminate_backend($1)", walsender);
    } catch (const std::exception& t) {
      spdlog::warn("could not end the walsender (pid {}) of the abandoned slot creation: {}",
                   walsender, one_line(t.what()));
    }
    if (blocker.empty()) {
      throw;
    }
    throw Error(fmt::format("{}; it was still waiting for {}: acme retries, and the slot is made "
                            "once that transaction ends",
                            e.what(), blocker));
  }
}

void StreamSyncer::open_stream(Stream& s, bool until_current) {
  m_syncer.connect(); // the writer lock and migrations, on the target connection
  const auto& slot = m_config.cdc_slot;
  std::optional<StoredPosition> stored;
  {
    pqxx::work tx(m_syncer.target(), "acme cdc state");
    if (const auto state = etl::CdcPosition(tx, m_config.target_schema).load(slot)) {
      stored = StoredPosition{Lsn::parse(state->applied_lsn), state->needs_snapshot};
    }
    tx.commit();
  }
  const std::optional<SlotView> slot_view = read_slot();
  // Before any slot exists: a slot created for a publication that is not there would retain
  // WAL while every start fails, and the snapshot would be loaded for nothing.
  check_publication();
  {
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc time zone");
    s.time_zone = tx.exec_params("SELECT COALESCE(NULLIF($1, ''), current_setting('TimeZone'))",
                                 m_config.source_timezone)[0][0]
                      .as<std::string>();
  }
  const std::string app = fmt::format("acme cdc (pid {})", ::getpid());
  s.repl = std::make_unique<cdc::ReplicationConnection>(m_config.source_dsn, app);
  if (until_current) {
    // The insert position, not IDENTIFY_SYSTEM's flush position: with synchronous_commit off a
    // committed transaction may not be flushed yet, and it must be included.
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc position");
    s.stop_at =
        Lsn::parse(tx.exec("SELECT pg_current_wal_insert_lsn()::text")[0][0].as<std::string>());
  }
  const StartPlan plan = plan_start(stored, slot_view, slot);
  if (plan.kind == StartPlan::Kind::refuse) {
    throw Fatal(plan.reason);
  }
  if (plan.kind == StartPlan::Kind::stream) {
    s.applied = stored->applied;
  } else {
    hand_off(s, plan, slot_view.has_value());
  }
  s.feedback = FeedbackTracker(s.applied);
  s.reported = s.applied;
  s.result.applied_lsn = s.applied.to_string();
  if (!until_current) {
    prime_session(s); // a stream that keeps running; run-etl applies one batch and exits
  }
  wait_for_slot(fmt::format("streaming replication slot '{}'", slot),
                [&] { s.repl->start_replication(slot, s.applied, {m_config.cdc_publication}); });
  s.last_input = std::chrono::steady_clock::now();
  spdlog::info("streaming slot '{}' (publication {}) from {}", slot, m_config.cdc_publication,
               s.applied.to_string());
}

// The hand-off through a fresh snapshot: "snapshot needed" is committed before the slot is
// dropped or created, then the new slot's exported snapshot is loaded and its position stored.
void StreamSyncer::hand_off(Stream& s, const StartPlan& plan, bool slot_exists) {
  const auto& slot = m_config.cdc_slot;
  if (plan.lost_changes) {
    if (m_recreated_slot) {
      throw Fatal(fmt::format("{} -- for the second time in this run: check "
                              "max_slot_wal_keep_size and how far acme falls behind, and who "
                              "else drops or advances the slot",
                              plan.reason));
    }
    m_recreated_slot = true;
    spdlog::warn("{}", plan.reason);
  } else {
    spdlog::info("{}", plan.reason);
  }
  {
    // Durable before the slot changes: from here until the hand-off commits, every start
    // re-snapshots, and recognizes the slot as acme's even if its creation was interrupted.
    pqxx::work tx(m_syncer.target(), "acme cdc snapshot needed");
    etl::CdcPosition(tx, m_config.target_schema).mark_snapshot_needed(slot);
    tx.commit();
  }
  test_point::reach("cdc-snapshot-marked");
  if (slot_exists) {
    wait_for_slot(fmt::format("dropping replication slot '{}'", slot),
                  [&] { s.repl->drop_slot(slot); });
  }
  const cdc::CreatedSlot created = create_slot(s);
  test_point::reach("cdc-slot-created");
  spdlog::info("created replication slot '{}' at {}; loading its snapshot {}", slot,
               created.consistent_point.to_string(), created.snapshot_name);
  etl::SyncRequest request;
  request.handoff =
      etl::SyncRequest::Handoff{created.snapshot_name, slot, created.consistent_point.to_string()};
  const auto r = m_syncer.sync(request);
  spdlog::info("snapshot hand-off: read {} rows, wrote {} rows in {:.3f} s", r.rows_read,
               r.rows_written, r.seconds);
  s.applied = created.consistent_point;
  s.result.snapshot = true;
  s.result.rows_written += r.rows_written;
}

void StreamSyncer::send_status(Stream& s, bool reply_requested, bool store_position) {
  Lsn position = s.feedback.next_report();
  // Nothing of ours is pending up to `position`: store it before confirming it, so that at the
  // next start a slot confirmed past the stored position can only mean lost changes. A position
  // that did not move is stored too, less often: the idle stream's heartbeat.
  const auto since_store = std::chrono::steady_clock::now() - s.last_position_store;
  const bool store_due =
      store_position ||
      since_store >= (position > s.applied ? std::chrono::seconds(k_position_interval)
                                           : std::chrono::seconds(k_heartbeat_interval));
  if (position >= s.applied && !s.feedback.pending() && !s.open_tx && store_due) {
    s.last_position_store = std::chrono::steady_clock::now();
    pqxx::work tx(m_syncer.target(), "acme cdc position");
    if (etl::CdcPosition(tx, m_config.target_schema)
            .advance(m_config.cdc_slot, position.to_string())) {
      tx.commit();
      s.applied = position;
      s.result.applied_lsn = s.applied.to_string();
    }
  }
  position = std::min(position, s.applied);
  s.reported = std::max(s.reported, position);
  StandbyStatus st;
  st.written = s.feedback.received();
  st.flushed = s.reported;
  st.applied = s.reported;
  st.client_clock = from_time_point(std::chrono::system_clock::now());
  st.reply_requested = reply_requested;
  s.repl->send_status(st);
  s.last_status = std::chrono::steady_clock::now();
}

void StreamSyncer::handle(Stream& s, const std::string& message) {
  const ServerMessage m = decode_server_message(message);
  if (const auto* k = std::get_if<PrimaryKeepalive>(&m)) {
    s.feedback.on_received(k->wal_end);
    if (k->reply_requested) {
      send_status(s);
    }
    return;
  }
  const auto& x = std::get<XLogData>(m);
  s.feedback.on_received(x.start);
  test_point::reach("cdc-after-receive");
  PgOutputMessage p = decode_pgoutput(x.payload);
  if (auto* begin = std::get_if<Begin>(&p)) {
    s.in_transaction = true;
    s.batch.begin_transaction(begin->commit_time);
    s.feedback.on_begin();
    // A commit at or below the stored LSN was applied before a crash that kept it unconfirmed.
    s.skipping = begin->final_lsn < s.applied;
  } else if (auto* relation = std::get_if<Relation>(&p)) {
    s.relations.add(*relation);
  } else if (auto* change = std::get_if<Change>(&p)) {
    if (s.skipping) {
      return;
    }
    if (const auto* mapped = s.relations.find(change->relation_id)) {
      s.note_change();
      s.batch.apply(*mapped, std::move(*change));
    }
  } else if (auto* truncate = std::get_if<Truncate>(&p)) {
    if (s.skipping) {
      return;
    }
    for (const auto id : truncate->relation_ids) {
      if (const auto* mapped = s.relations.find(id)) {
        s.note_change();
        s.batch.truncate(*mapped->table);
      }
    }
  } else if (auto* commit = std::get_if<Commit>(&p)) {
    s.in_transaction = false;
    s.feedback.on_commit(commit->end_lsn);
    if (s.batch.empty() && !s.open_tx) {
      // Nothing of ours is waiting (a skipped transaction, or one without contract changes):
      // everything up to here is handled.
      s.feedback.mark_durable(commit->end_lsn);
    } else {
      s.batch_commit = commit->end_lsn;
    }
  }
}

// Keeps a stream alive while the loop does not read it: a flush waiting for a lock or merging a
// large slice could otherwise outlast the server's wal_sender_timeout, and the walsender would
// end the stream. Sends a standby status with the positions of the flush's start (nothing newer
// is confirmed before the flush commits) from its own thread; the loop does not touch the
// replication connection until this object is gone.
class StreamSyncer::StatusPump {
public:
  StatusPump(cdc::ReplicationConnection& repl, StandbyStatus status) {
    m_thread = std::thread([this, &repl, status]() mutable {
      std::unique_lock<std::mutex> lock(m_mutex);
      while (!m_cv.wait_for(lock, k_flush_status_interval, [this] { return m_done; })) {
        status.client_clock = from_time_point(std::chrono::system_clock::now());
        try {
          repl.send_status(status);
        } catch (const std::exception&) {
          return; // the stream is gone: the loop finds out at its next receive
        }
      }
    });
  }
  ~StatusPump() {
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      m_done = true;
    }
    m_cv.notify_one();
    m_thread.join();
  }
  StatusPump(const StatusPump&) = delete;
  StatusPump& operator=(const StatusPump&) = delete;

private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;
};

// Applies the received changes in the source transaction's target transaction (opened by its
// first slice), and commits it when the batch completes the source transaction.
void StreamSyncer::flush(Stream& s) {
  const auto started = std::chrono::steady_clock::now();
  s.flush_started = started;
  s.backlog = true;
  // A batch cut at k_flush_changes inside a source transaction is a slice: applied in the
  // transaction's own target transaction, which commits with the last slice.
  const bool completes = !s.in_transaction;
  // Keepalives are answered while the flush runs, however long it takes.
  std::optional<StatusPump> pump;
  if (s.repl && s.repl->streaming()) {
    StandbyStatus st;
    st.written = s.feedback.received();
    st.flushed = s.reported;
    st.applied = s.reported;
    pump.emplace(*s.repl, st);
  }
  if (!s.open_tx) {
    s.open_tx = std::make_unique<pqxx::work>(m_syncer.target(), "acme cdc apply");
    s.open_tx_started_at = utc_now();
    s.open_tx_rows = nlohmann::json::object();
    s.open_tx_changes = 0;
    s.open_tx_written = 0;
  }
  pqxx::work& ttx = *s.open_tx;
  etl::Stager stager(ttx, m_config.target_schema);
  stager.prepare(m_config.closed_statuses);
  etl::SyncState sync_state(ttx, m_config.target_schema);
  const bool closed_changed = sync_state.store_closed_statuses(m_config.closed_statuses);
  const auto key_tables = stage_batch(s, stager);
  merge_batch(s, ttx, key_tables, closed_changed);
  const auto changes = s.batch.changes();
  s.batch.clear();
  if (!completes) {
    spdlog::debug("cdc flush: applied a slice of {} changes of a source transaction still being "
                  "received; it commits with its last slice",
                  changes);
    return;
  }
  const bool advanced = commit_transaction(s, sync_state, ttx);
  pump.reset();
  const auto now = std::chrono::steady_clock::now();
  s.last_input = std::max(s.last_input, now); // nothing was read while the flush ran
  m_metrics->cycle_succeeded(
      std::chrono::duration<double>(now - started).count(), s.open_tx_changes, s.open_tx_written,
      s.first_change ? std::chrono::duration<double>(now - *s.first_change).count() : -1.0);
  if (advanced && s.repl && s.repl->streaming()) {
    send_status(s); // confirmed only now that the target committed
  }
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  spdlog::debug("cdc flush: {} changes, wrote {} rows, applied up to {}; oldest change waited {} "
                "ms, applied in {} ms",
                s.open_tx_changes, s.open_tx_written, s.applied.to_string(),
                s.first_change ? ms(started - *s.first_change) : 0, ms(now - started));
  s.first_change.reset();
}

// Stages the batch's row images, deletes, truncations and history events (rows whose image was
// incomplete are read again from the source); returns the tables whose key sets changed.
std::vector<std::string> StreamSyncer::stage_batch(Stream& s, etl::Stager& stager) {
  std::vector<std::string> key_tables;
  nlohmann::json& rows = s.open_tx_rows;
  std::unique_ptr<pqxx::work> source_read; // only for rows whose image was incomplete
  // Taken, not copied: a batch of 20,000 item images is ~10 MB. If the flush fails, the stream
  // is opened again from the last confirmed position and the changes arrive again.
  for (auto& [name, changes] : s.batch.take_tables()) {
    const auto& table = etl::table_spec(name);
    std::vector<Row> images;
    images.reserve(changes.upserts.size());
    for (auto& [key, row] : changes.upserts) {
      images.push_back(std::move(row));
    }
    changes.upserts.clear();
    stager.stage_rows(table, images);
    std::int64_t refetched = 0;
    if (!changes.refetch.empty()) {
      if (!source_read) {
        source_read = std::make_unique<pqxx::work>(m_syncer.source(), "acme cdc refetch");
      }
      const std::vector<std::int64_t> keys(changes.refetch.begin(), changes.refetch.end());
      refetched =
          etl::Extractor(*source_read, m_config.source_schema).copy_rows(table, keys, stager);
    }
    if (changes.truncated) {
      stager.keys_from_staging(table); // the staged rows are the table's whole key set
      key_tables.push_back(name);
    } else if (!changes.deletes.empty()) {
      stager.stage_deletes(
          table, std::vector<std::int64_t>(changes.deletes.begin(), changes.deletes.end()));
      key_tables.push_back(name);
    }
    tally(rows[name], static_cast<std::int64_t>(images.size()) + refetched,
          static_cast<std::int64_t>(changes.deletes.size()), changes.truncated);
  }
  if (source_read) {
    source_read->commit();
  }
  for (const auto& [name, events] : s.batch.events()) {
    stager.stage_events(name, event_rows(name, events));
    for (const auto& e : events) {
      if (e.key < 0) {
        stager.stage_truncate_event(name, e.seq, utc_text(e.commit_time));
      }
    }
  }
  return key_tables;
}

// Merges what stage_batch() staged and records its history; adds the rows written to the open
// transaction's record and the metrics.
void StreamSyncer::merge_batch(Stream& s, pqxx::work& ttx,
                               const std::vector<std::string>& key_tables, bool closed_changed) {
  etl::Transformer transform(ttx, m_config.target_schema);
  etl::MergeCounts counts = transform.merge(key_tables, closed_changed);
  counts.written["history"] = transform.record_history(history_context(s));
  test_point::reach("cdc-after-merge");
  auto& written = s.open_tx_rows["written"];
  if (!written.is_object()) {
    written = nlohmann::json::object();
  }
  for (const auto& [step, n] : counts.written) {
    written[step] = written.value(step, std::int64_t{0}) + n;
  }
  s.open_tx_changes += s.batch.changes();
  s.open_tx_written += counts.total();
  m_metrics->table_rows(s.batch.received_by_table(), counts.written);
}

etl::Transformer::HistoryContext StreamSyncer::history_context(const Stream& s) const {
  etl::Transformer::HistoryContext history;
  history.observed_by = "cdc";
  history.time_zone = s.time_zone;
  history.events_from_staging = false;
  history.retention_days = m_config.history_days;
  return history;
}

// A new target session creates its work tables and plans each statement of a flush for the first
// time: its first flushes took ~100 ms more at S, while changes kept arriving, and at 500 tx/s
// the backlog that built up took ~1 s to drain (the slowest markers of every bench/cdc run).
// Done before the stream starts, with the work tables kept (committed) and every statement run
// once over them while they are empty (rolled back: it writes nothing).
void StreamSyncer::prime_session(const Stream& s) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    pqxx::work tx(m_syncer.target(), "acme cdc work tables");
    if (!etl::Stager(tx, m_config.target_schema).prepare(m_config.closed_statuses)) {
      return; // this session streamed before: its caches are filled
    }
    tx.commit();
  }
  pqxx::work tx(m_syncer.target(), "acme cdc prime");
  etl::Stager stager(tx, m_config.target_schema);
  stager.prepare(m_config.closed_statuses);
  for (const auto& table : etl::k_tables) {
    stager.stage_deletes(table, {});
  }
  etl::Transformer(tx, m_config.target_schema).prime(history_context(s));
  tx.abort();
  spdlog::debug("cdc: primed the target session in {:.3f} s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// Stores the position the source transaction ends at and the run, and commits; only then is the
// position durable (and confirmable to the slot). Returns whether the position advanced.
bool StreamSyncer::commit_transaction(Stream& s, etl::SyncState& sync_state, pqxx::work& ttx) {
  const bool advances = s.batch_commit > s.applied;
  if (advances) {
    etl::CdcPosition(ttx, m_config.target_schema)
        .save(m_config.cdc_slot, s.batch_commit.to_string());
    s.open_tx_rows["applied_lsn"] = s.batch_commit.to_string();
  }
  etl::SyncState::RunRecord run;
  run.started_at = s.open_tx_started_at;
  run.mode = "cdc";
  run.horizon_kind = "cdc";
  run.rows = s.open_tx_rows;
  sync_state.record_run(run);
  test_point::reach("cdc-before-commit", &ttx);
  ttx.commit();
  s.open_tx.reset();
  test_point::reach("cdc-after-commit");
  s.result.flushes += 1;
  s.result.changes += s.open_tx_changes;
  s.result.rows_written += s.open_tx_written;
  if (advances) {
    s.applied = s.batch_commit;
    s.result.applied_lsn = s.applied.to_string();
    s.feedback.mark_durable(s.applied);
  }
  return advances;
}

StreamResult StreamSyncer::run(bool until_current) {
  try {
    return stream(until_current);
  } catch (const etl::Interrupted&) {
    throw;
  } catch (...) {
    // A target session that ended (restart, failover, pg_terminate_backend) can surface as
    // whatever libpqxx throws on its next use of the connection: say so, and retry.
    const bool target_lost = !m_syncer.target_alive();
    try {
      db::rethrow_classified("cdc");
    } catch (const Fatal& e) {
      if (target_lost && !dynamic_cast<const LockedError*>(&e)) {
        throw Error(fmt::format("cdc: the target connection was lost: {}", e.what()));
      }
      throw;
    }
  }
}

// Nothing arrived within the wait: the stream is caught up. A silence of
// ACME_CDC_RECEIVE_TIMEOUT is a stalled walsender or network path (Error: the stream reopens);
// half of it asks the server for a reply first.
void StreamSyncer::on_silence(Stream& s) {
  s.backlog = false; // nothing was waiting: caught up
  s.drained = true;
  const auto silence = std::chrono::steady_clock::now() - s.last_input;
  if (silence >= m_config.cdc_receive_timeout) {
    // The walsender sends a keepalive at least every wal_sender_timeout / 2 and answers a
    // reply request at once: this much silence is a stalled server or a dead network path
    // that TCP would take minutes (or forever) to report.
    throw Error(fmt::format(
        "no message from the source for {:.1f} s (ACME_CDC_RECEIVE_TIMEOUT): the walsender or "
        "the network stalled; reconnecting",
        std::chrono::duration<double>(silence).count()));
  }
  if (silence >= m_config.cdc_receive_timeout / 2 && !s.ping_sent) {
    send_status(s, true); // ask the server to answer now, as PostgreSQL's own subscriber does
    s.ping_sent = true;
  } else if (s.stop_at.value != 0 && s.batch.empty() && !s.in_transaction) {
    // run-etl: ask the server where WAL ends now (it answers with a keepalive).
    send_status(s, true);
  }
}

StreamResult StreamSyncer::stream(bool until_current) {
  Stream s(m_config.source_schema);
  open_stream(s, until_current);
  // A changed closed-status set (ACME_CLOSED_STATUSES) recomputes openness and prices now, in a
  // flush of its own, instead of with whatever change happens to arrive next.
  bool closed_changed = false;
  {
    pqxx::read_transaction check(m_syncer.target(), "acme cdc settings");
    closed_changed = etl::SyncState(check, m_config.target_schema)
                         .closed_statuses_differ(m_config.closed_statuses);
  }
  if (closed_changed) {
    spdlog::info("the closed-status set changed: recomputing openness before streaming");
    flush(s);
  }
  // --cdc-flush-ms: the least time from the start of one flush to the start of the next. 0 (the
  // default) applies whatever has arrived as soon as the input is drained.
  const auto spacing = m_config.cdc_flush;
  bool flushed_before = closed_changed;
  for (;;) {
    if (stop_requested()) {
      break; // received but unapplied changes (and an open slice) are streamed again next run
    }
    // A flush is due once a complete source transaction is received and nothing more is waiting
    // (a receive found the input drained): it applies everything that has arrived, and never
    // waits for more. Input that piled up during the previous flush is all read first (one
    // flush for it, not one per transaction). The batch being full makes a flush due at once,
    // even in the middle of a source transaction (then it is a slice, committed with the
    // transaction's last); otherwise a flush never cuts a source transaction.
    const auto now = std::chrono::steady_clock::now();
    const bool full = s.batch.changes() >= k_flush_changes;
    const bool complete = s.first_change && !s.in_transaction;
    const bool spaced = !flushed_before || now - s.flush_started >= spacing;
    const bool due = s.first_change && (full || (s.open_tx && !s.in_transaction) ||
                                        (complete && s.drained && spaced));
    if (due) {
      flush(s);
      flushed_before = true;
    }
    if (s.stop_at.value != 0 && !s.in_transaction && s.batch.empty() && !s.open_tx &&
        s.feedback.received() >= s.stop_at) {
      // Everything committed before the start is applied (or was not ours).
      send_status(s, false, true);
      break;
    }
    // Only what is already there while the input that piled up during a flush is read, or
    // while a complete transaction waits to be applied; then, under --cdc-flush-ms, whatever
    // arrives until the next flush may start.
    auto wait = k_poll;
    if (s.backlog || (complete && !due && spaced)) {
      wait = std::chrono::milliseconds(0);
    } else if (complete && !due) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          s.flush_started + spacing - std::chrono::steady_clock::now());
      wait = std::max(std::chrono::milliseconds(1), std::min(wait, left));
    }
    if (std::chrono::steady_clock::now() - s.last_status >= k_status_interval) {
      send_status(s, s.stop_at.value != 0);
    }
    if (std::chrono::steady_clock::now() - s.last_publication_check >= k_publication_check) {
      check_publication();
      s.last_publication_check = std::chrono::steady_clock::now();
    }
    const auto message = s.repl->receive(wait);
    if (message) {
      s.last_input = std::chrono::steady_clock::now();
      s.ping_sent = false;
      s.drained = false;
      handle(s, *message);
      continue;
    }
    on_silence(s);
  }
  s.repl->end_streaming();
  return s.result;
}

long run_continuous(StreamSyncer& syncer, std::chrono::milliseconds backoff_base,
                    std::chrono::milliseconds backoff_cap,
                    const std::function<bool()>& should_stop) {
  long flushes = 0;
  etl::RetryPolicy policy;
  policy.what = "change stream";
  policy.backoff_base = backoff_base;
  policy.backoff_cap = backoff_cap;
  policy.metrics = &syncer.metrics();
  etl::run_with_retries(
      policy,
      [&] {
        const StreamResult r = syncer.run(false);
        flushes += r.flushes;
        return false; // run() returns only when stopped
      },
      [&] { syncer.reset(); }, should_stop);
  spdlog::info("change stream stopped after {} committed target transactions", flushes);
  return flushes;
}

} // namespace acme::cdc

#include "acme/cdc/stream_sync.hpp"

#include "acme/cdc/pgoutput.hpp"
#include "acme/config/dsn.hpp"
#include "acme/db/connection.hpp"
#include "acme/db/copy.hpp"
#include "acme/db/replication_connection.hpp"
#include "acme/error.hpp"
#include "acme/etl/backoff.hpp"
#include "acme/etl/continuous.hpp"
#include "acme/etl/loader.hpp"
#include "acme/etl/transformer.hpp"
#include "acme/test_point.hpp"

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::cdc {
namespace {

// Received row changes that make a flush due even before --cdc-flush-ms: bounds memory (a
// source transaction of millions of rows is applied in slices; its commit LSN is stored only
// with its last slice, so a crash in between re-applies it whole, which is idempotent).
constexpr std::int64_t k_flush_changes = 20000;
// Standby status at least this often, so the server never times the stream out.
constexpr auto k_status_interval = std::chrono::seconds(10);
// Longest single wait for stream input, so stop requests are seen promptly.
constexpr auto k_poll = std::chrono::milliseconds(200);

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

const etl::TableSpec& spec_of(const std::string& name) {
  for (const auto& t : etl::k_tables) {
    if (t.source == name) {
      return t;
    }
  }
  throw Fatal("unknown table " + name); // unreachable: batches only hold contract tables
}

} // namespace

struct StreamSyncer::Stream {
  std::unique_ptr<db::ReplicationConnection> repl;
  RelationMap relations;
  ChangeBatch batch;
  FeedbackTracker feedback;
  Lsn applied;           // end LSN of the last source commit stored in the target
  Lsn batch_commit;      // end LSN of the last complete source commit in `batch`
  Lsn stop_at;           // run-etl: the source's WAL position at start (0: stream until stopped)
  std::string time_zone; // the source writers' time zone (dates commit times in history)
  bool in_transaction = false;
  bool skipping = false; // the current source transaction was applied before
  std::optional<std::chrono::steady_clock::time_point> first_change;
  // Since the last flush ended, every receive found input already waiting: it arrived while
  // that flush ran (the loop does not read during a flush), so it has waited since the flush
  // started, not since it was read.
  bool backlog = false;
  std::chrono::steady_clock::time_point flush_started;
  std::chrono::steady_clock::time_point last_status = std::chrono::steady_clock::now();
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

void StreamSyncer::open_stream(Stream& s, bool until_current) {
  m_syncer.connect(); // the writer lock and migrations, on the target connection
  const auto& slot = m_config.cdc_slot;
  std::optional<etl::Loader::CdcState> state;
  {
    pqxx::work tx(m_syncer.target(), "acme cdc state");
    state = etl::Loader(tx, m_config.target_schema).load_cdc_state(slot);
    tx.commit();
  }
  std::optional<std::string> wal_status;
  {
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc slot");
    const auto r = tx.exec_params(
        "SELECT COALESCE(wal_status, ''), plugin FROM pg_replication_slots WHERE slot_name = $1",
        slot);
    if (!r.empty()) {
      if (r[0][1].as<std::string>("") != "pgoutput") {
        throw Fatal(fmt::format("replication slot '{}' exists but does not use pgoutput: it is not "
                                "acme's; set ACME_CDC_SLOT to another name",
                                slot));
      }
      wal_status = r[0][0].as<std::string>();
    }
  }
  {
    // Before any slot exists: a slot created for a publication that is not there would retain
    // WAL while every start fails, and the snapshot would be loaded for nothing.
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc publication");
    if (tx.exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1", m_config.cdc_publication)
            .empty()) {
      throw Fatal(fmt::format(
          "publication '{}' does not exist in the source database: run acme cdc setup (or have "
          "the tables' owner create it; acme doctor --mode cdc prints the statement), or set "
          "ACME_CDC_PUBLICATION to the publication's name",
          m_config.cdc_publication));
    }
  }
  {
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc time zone");
    s.time_zone = tx.exec_params("SELECT COALESCE(NULLIF($1, ''), current_setting('TimeZone'))",
                                 m_config.source_timezone)[0][0]
                      .as<std::string>();
  }
  const std::string app = fmt::format("acme cdc (pid {})", ::getpid());
  s.repl = std::make_unique<db::ReplicationConnection>(m_config.source_dsn, app);
  if (until_current) {
    // The insert position, not IDENTIFY_SYSTEM's flush position: with synchronous_commit off a
    // committed transaction may not be flushed yet, and it must be included.
    pqxx::nontransaction tx(m_syncer.source(), "acme cdc position");
    s.stop_at =
        Lsn::parse(tx.exec("SELECT pg_current_wal_insert_lsn()::text")[0][0].as<std::string>());
  }
  const bool lost = wal_status && *wal_status == "lost";
  if (state && !state->needs_snapshot && wal_status && !lost) {
    s.applied = Lsn::parse(state->applied_lsn);
  } else {
    if (wal_status && !state) {
      throw Fatal(fmt::format(
          "replication slot '{}' already exists on the source, but this target has no record of "
          "creating it: acme never drops or advances a slot it did not create. Set ACME_CDC_SLOT "
          "to another name, or drop the slot if it is an abandoned acme slot (acme cdc drop-slot)",
          slot));
    }
    if (state && !state->needs_snapshot) {
      // The slot is gone or invalidated (max_slot_wal_keep_size exceeded): changes were lost
      // on the server side, so only a fresh snapshot can bring the target back.
      if (m_recreated_slot) {
        throw Fatal(fmt::format("replication slot '{}' was lost again in the same run ({}): "
                                "check max_slot_wal_keep_size and how far acme falls behind",
                                slot, lost ? "invalidated" : "dropped"));
      }
      m_recreated_slot = true;
      spdlog::warn("replication slot '{}' was {} on the source: re-creating it and resyncing "
                   "from a fresh snapshot",
                   slot,
                   lost ? "invalidated (it retained more WAL than max_slot_wal_keep_size)"
                        : "dropped");
    } else if (state) {
      spdlog::info("polling cycles ran since the stream was last applied: handing off to CDC "
                   "through a fresh snapshot");
    }
    if (wal_status) {
      s.repl->drop_slot(slot); // acme's own (recorded in this target), stale
    }
    const db::CreatedSlot created = s.repl->create_slot(slot, db::SlotSnapshot::exported);
    spdlog::info("created replication slot '{}' at {}; loading its snapshot {}", slot,
                 created.consistent_point.to_string(), created.snapshot_name);
    etl::SyncRequest request;
    request.handoff = etl::SyncRequest::Handoff{created.snapshot_name, slot,
                                                created.consistent_point.to_string()};
    const auto r = m_syncer.sync(request);
    spdlog::info("snapshot hand-off: read {} rows, wrote {} rows in {:.3f} s", r.rows_read,
                 r.rows_written, r.seconds);
    s.applied = created.consistent_point;
    s.result.snapshot = true;
    s.result.rows_written += r.rows_written;
  }
  s.feedback = FeedbackTracker(s.applied);
  s.result.applied_lsn = s.applied.to_string();
  s.repl->start_replication(slot, s.applied, {m_config.cdc_publication});
  spdlog::info("streaming slot '{}' (publication {}) from {}", slot, m_config.cdc_publication,
               s.applied.to_string());
}

void StreamSyncer::send_status(Stream& s, bool reply_requested) {
  StandbyStatus st;
  const Lsn position = s.feedback.next_report();
  st.written = s.feedback.received();
  st.flushed = position;
  st.applied = position;
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
    if (s.batch.empty()) {
      // Nothing of ours is waiting (a skipped transaction, or one without contract changes):
      // everything up to here is handled.
      s.feedback.mark_durable(commit->end_lsn);
    } else {
      s.batch_commit = commit->end_lsn;
    }
  }
}

void StreamSyncer::flush(Stream& s) {
  const std::string started_at = utc_now();
  const auto started = std::chrono::steady_clock::now();
  s.flush_started = started;
  s.backlog = true;
  pqxx::work ttx(m_syncer.target(), "acme cdc apply");
  etl::Loader loader(ttx, m_config.target_schema);
  const bool closed_changed = loader.prepare(m_config.closed_statuses);
  std::vector<std::string> key_tables;
  nlohmann::json rows = nlohmann::json::object();
  std::unique_ptr<pqxx::work> source_read; // only for rows whose image was incomplete
  // Taken, not copied: a batch of 20,000 item images is ~10 MB. If the flush fails, the stream
  // is opened again from the last confirmed position and the changes arrive again.
  for (auto& [name, changes] : s.batch.take_tables()) {
    const auto& table = spec_of(name);
    std::vector<Row> images;
    images.reserve(changes.upserts.size());
    for (auto& [key, row] : changes.upserts) {
      images.push_back(std::move(row));
    }
    changes.upserts.clear();
    loader.stage_rows(table, images);
    std::int64_t refetched = 0;
    if (!changes.refetch.empty()) {
      if (!source_read) {
        source_read = std::make_unique<pqxx::work>(m_syncer.source(), "acme cdc refetch");
      }
      std::string keys;
      for (const auto k : changes.refetch) {
        keys += (keys.empty() ? "" : ",") + std::to_string(k);
      }
      refetched = db::copy_between(
          *source_read,
          fmt::format("SELECT {} FROM {} WHERE {} = ANY('{{{}}}'::bigint[])", table.columns,
                      db::qualify(m_config.source_schema, table.source), db::quote_ident(table.pk),
                      keys),
          ttx, std::string(table.staging));
    }
    if (changes.truncated) {
      loader.keys_from_staging(table); // the staged rows are the table's whole key set
      key_tables.push_back(name);
    } else if (!changes.deletes.empty()) {
      loader.stage_deletes(
          table, std::vector<std::int64_t>(changes.deletes.begin(), changes.deletes.end()));
      key_tables.push_back(name);
    }
    rows[name] = {{"upserts", images.size() + static_cast<std::size_t>(refetched)},
                  {"deletes", changes.deletes.size()},
                  {"truncated", changes.truncated}};
  }
  if (source_read) {
    source_read->commit();
  }
  for (const auto& [name, events] : s.batch.events()) {
    loader.stage_events(name, event_rows(name, events));
    for (const auto& e : events) {
      if (e.key < 0) {
        loader.stage_truncate_event(name, e.seq, utc_text(e.commit_time));
      }
    }
  }
  etl::Transformer transform(ttx, m_config.target_schema);
  etl::MergeCounts counts = transform.merge(key_tables, closed_changed);
  etl::Transformer::HistoryContext history;
  history.observed_by = "cdc";
  history.time_zone = s.time_zone;
  history.events_from_staging = false;
  history.retention_days = m_config.history_days;
  counts.written["history"] = transform.record_history(history);
  test_point::reach("cdc-after-merge");
  for (const auto& [step, n] : counts.written) {
    rows["written"][step] = n;
  }
  const bool advances = s.batch_commit > s.applied;
  if (advances) {
    loader.save_cdc_state(m_config.cdc_slot, s.batch_commit.to_string());
    rows["applied_lsn"] = s.batch_commit.to_string();
  }
  etl::Loader::RunRecord run;
  run.started_at = started_at;
  run.mode = "cdc";
  run.horizon_kind = "cdc";
  run.rows = rows;
  loader.record_run(run);
  test_point::reach("cdc-before-commit", &ttx);
  ttx.commit();
  test_point::reach("cdc-after-commit");
  s.result.flushes += 1;
  s.result.changes += s.batch.changes();
  s.result.rows_written += counts.total();
  const auto now = std::chrono::steady_clock::now();
  m_metrics->cycle_succeeded(
      std::chrono::duration<double>(now - started).count(), s.batch.changes(), counts.total(),
      s.first_change ? std::chrono::duration<double>(now - *s.first_change).count() : -1.0);
  m_metrics->table_rows(s.batch.received_by_table(), counts.written);
  if (advances) {
    s.applied = s.batch_commit;
    s.result.applied_lsn = s.applied.to_string();
    s.feedback.mark_durable(s.applied);
    send_status(s); // confirmed only now that the target committed
  }
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  spdlog::debug("cdc flush: {} changes, wrote {} rows, applied up to {}; oldest change waited {} "
                "ms, applied in {} ms",
                s.batch.changes(), counts.total(), s.applied.to_string(),
                s.first_change ? ms(started - *s.first_change) : 0, ms(now - started));
  s.batch.clear();
  s.first_change.reset();
}

StreamResult StreamSyncer::run(bool until_current) {
  Stream s(m_config.source_schema);
  open_stream(s, until_current);
  // A changed closed-status set (ACME_CLOSED_STATUSES) recomputes openness and prices now, in a
  // flush of its own, instead of with whatever change happens to arrive next.
  bool closed_changed = false;
  {
    pqxx::read_transaction check(m_syncer.target(), "acme cdc settings");
    closed_changed =
        etl::Loader(check, m_config.target_schema).closed_statuses_differ(m_config.closed_statuses);
  }
  if (closed_changed) {
    spdlog::info("the closed-status set changed: recomputing openness before streaming");
    flush(s);
  }
  const auto flush_after = m_config.cdc_flush;
  for (;;) {
    if (m_should_stop && m_should_stop()) {
      break; // received but unapplied changes are streamed again by the next run
    }
    // A flush is due once the oldest received change waited --cdc-flush-ms and the input that
    // piled up during the previous flush is read (one flush for all of it, not one per
    // transaction), or once the batch is full; never in the middle of a source transaction
    // unless the batch is full (its commit LSN is stored with its last slice).
    const auto now = std::chrono::steady_clock::now();
    const bool full = s.batch.changes() >= k_flush_changes;
    const bool due = s.first_change && (!s.in_transaction || full) &&
                     ((now - *s.first_change >= flush_after && !s.backlog) || full);
    if (due) {
      flush(s);
    }
    if (s.stop_at.value != 0 && !s.in_transaction && s.batch.empty() &&
        s.feedback.received() >= s.stop_at) {
      // Everything committed before the start is applied (or was not ours).
      send_status(s);
      break;
    }
    auto wait = k_poll;
    if (s.backlog) {
      wait = std::chrono::milliseconds(0); // only what is already there
    } else if (s.first_change) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *s.first_change + flush_after - std::chrono::steady_clock::now());
      wait = std::max(std::chrono::milliseconds(1), std::min(wait, left));
    }
    if (std::chrono::steady_clock::now() - s.last_status >= k_status_interval) {
      send_status(s, s.stop_at.value != 0);
    }
    const auto message = s.repl->receive(wait);
    if (message) {
      handle(s, *message);
      continue;
    }
    s.backlog = false; // nothing was waiting: caught up
    if (s.stop_at.value != 0 && s.batch.empty() && !s.in_transaction) {
      // run-etl: ask the server where WAL ends now (it answers with a keepalive).
      send_status(s, true);
    }
  }
  s.repl->end_streaming();
  return s.result;
}

long run_continuous(StreamSyncer& syncer, std::chrono::milliseconds backoff_base,
                    std::chrono::milliseconds backoff_cap,
                    const std::function<bool()>& should_stop) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  long flushes = 0;
  int failures = 0;
  while (!should_stop()) {
    try {
      const StreamResult r = syncer.run(false);
      flushes += r.flushes;
      break; // run() returns only when stopped
    } catch (const etl::Interrupted&) {
      break;
    } catch (const Fatal&) {
      syncer.metrics().cycle_failed(ops::ErrorClass::fatal);
      throw;
    } catch (const Error& e) {
      syncer.metrics().cycle_failed(ops::ErrorClass::retryable);
      syncer.reset();
      const auto delay = etl::backoff_delay(failures, backoff_base, backoff_cap, unit(rng));
      ++failures;
      spdlog::error("change stream failed (attempt {}), reconnecting in {:.1f} s: {}", failures,
                    static_cast<double>(delay.count()) / 1000.0, e.what());
      if (!etl::sleep_unless_stopped(delay, should_stop)) {
        break;
      }
    }
  }
  spdlog::info("change stream stopped after {} committed target transactions", flushes);
  return flushes;
}

} // namespace acme::cdc

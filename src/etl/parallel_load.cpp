#include "acme/etl/parallel_load.hpp"

#include "acme/db/canceller.hpp"
#include "acme/db/connection.hpp"
#include "acme/db/copy_connection.hpp"
#include "acme/etl/order_totals.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/etl/tables.hpp"
#include "acme/sql/embedded.hpp"
#include "acme/test_point.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fmt/format.h>
#include <limits>
#include <mutex>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

namespace acme::etl {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr const char* k_item_columns =
    "(order_item_id, order_id, product_id, product_name, quantity, price, order_status, "
    "delivery_date, is_open, updated_at, updated_by, created_at, created_by)";
constexpr const char* k_order_columns =
    "(order_id, customer_id, customer_name, order_date, delivery_date, status, total_items, "
    "total_amount, is_open, updated_at, updated_by, created_at, created_by)";

// The greatest (updated_at, key) seen in binary COPY rows, in PostgreSQL's binary timestamp
// form: the cursor of a table read whole, gathered while its rows pass through acme instead of
// by another scan of the table; and the span of their keys (a block range's rows, whose keys
// nothing else bounds).
struct MaxKey {
  bool any = false;
  std::int64_t ts = 0;
  std::int64_t pk = 0;
  // The smallest and greatest key of every row seen, whatever its updated_at.
  bool any_key = false;
  std::int64_t key_lo = 0;
  std::int64_t key_hi = -1;

  void offer(std::int64_t t, std::int64_t k) {
    if (!any || t > ts || (t == ts && k > pk)) {
      any = true;
      ts = t;
      pk = k;
    }
  }
  // Observes rows whose key is field `key` and updated_at field `updated_at`; rows with a NULL
  // or infinite updated_at never make a cursor (as in Stager::staged_max).
  db::RowObserver observer(std::size_t key, std::size_t updated_at) {
    return [this, key, updated_at](const std::vector<db::BinaryField>& row) {
      if (row.size() <= std::max(key, updated_at) || row[key].data == nullptr) {
        return;
      }
      const std::int64_t k = db::binary_int(row[key]);
      key_lo = any_key ? std::min(key_lo, k) : k;
      key_hi = any_key ? std::max(key_hi, k) : k;
      any_key = true;
      if (row[updated_at].data == nullptr) {
        return;
      }
      const std::int64_t t = db::binary_int(row[updated_at]);
      if (t != std::numeric_limits<std::int64_t>::max() &&
          t != std::numeric_limits<std::int64_t>::min()) {
        offer(t, k);
      }
    };
  }
};

// `observe`, then one row more for the progress `counter` (one atomic add per chunk of rows).
db::RowObserver counted(db::RowObserver observe, obs::RowCounter& counter) {
  return [observe = std::move(observe), &counter](const std::vector<db::BinaryField>& row) {
    observe(row);
    counter.row();
  };
}

// A table's cursor as text; a timestamp that text cannot carry (beyond year 9999) is read back
// through to_char like any staged table's.
std::optional<Cursor> loaded_cursor(const MaxKey& seen, db::CopyConnection& source,
                                    const Extractor& extractor, const TableSpec& table) {
  if (!seen.any) {
    return std::nullopt;
  }
  if (auto ts = cursor_timestamp(seen.ts)) {
    return Cursor{*ts, seen.pk};
  }
  const auto rows = source.exec(extractor.max_cursor_query(table));
  if (rows.empty() || !rows[0][0] || !rows[0][1]) {
    return std::nullopt;
  }
  return Cursor{*rows[0][0], std::stoll(*rows[0][1])};
}

} // namespace

// One worker: a source session in the shared snapshot and a target session, both plain libpq
// sessions that stream COPY in binary format.
struct ParallelLoad::Worker {
  int id = 0;
  std::unique_ptr<db::CopyConnection> source;
  std::unique_ptr<db::CopyConnection> target;
  bool reading = false; // the source transaction is open

  // The first value of the result of `sql` on the target, as a count.
  std::int64_t count(const std::string& sql) const {
    const auto rows = target->exec(sql);
    return rows.empty() || rows[0].empty() || !rows[0][0] ? 0 : std::stoll(*rows[0][0]);
  }
};

ParallelLoad::ParallelLoad(Options options)
    : m_options(std::move(options)),
      m_shadows(m_options.target_schema, m_options.keep_settled_prices) {}

ParallelLoad::~ParallelLoad() = default;

bool ParallelLoad::stopping() const {
  return m_abort.load() || (m_options.should_stop && m_options.should_stop());
}

void ParallelLoad::connect_workers() {
  const int jobs = std::max(1, m_options.jobs);
  spdlog::info("full load with {} job(s): {} source session(s) reading one snapshot, each with "
               "work_mem 128 MB (up to {} MB of sort and hash memory on the source), and {} "
               "target session(s) (ACME_JOBS)",
               jobs, jobs, jobs * 128, jobs);
  for (int i = 0; i < jobs; ++i) {
    auto w = std::make_unique<Worker>();
    w->id = i + 1;
    const std::string app = fmt::format("acme (pid {}) load job {}", ::getpid(), w->id);
    w->target = std::make_unique<db::CopyConnection>(m_options.target_dsn, "target", app);
    // Each job builds one index: the jobs are the parallelism, so no server workers on top
    // (with one job the server may add one: it needs 32 MB per participant).
    // Sort memory: 16 MB, so an index over millions of items sorts in runs that stay in the
    // CPU's caches and merges them, instead of one quicksort over hundreds of MB of fresh memory
    // (faster for every index of the load: bench/RESULTS.md). The shadow data is rebuilt after a
    // crash anyway, so its commits need not wait for WAL.
    w->target->exec(fmt::format("SET maintenance_work_mem = '{}MB'; SET synchronous_commit = off{}",
                                jobs > 1 ? 16 : 64,
                                jobs > 1 ? "; SET max_parallel_maintenance_workers = 0" : ""));
    w->source = std::make_unique<db::CopyConnection>(m_options.source_dsn, "source", app);
    // No parallel query workers either: the jobs are the parallelism (a Gather takes a core from
    // the other jobs for more CPU in all); and room for the item query's hash of the orders so
    // that it does not spill to disk.
    w->source->exec(
        fmt::format("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; "
                    "SET LOCAL work_mem = '128MB'{}",
                    w->source->quote(m_options.snapshot),
                    jobs > 1 ? "; SET LOCAL max_parallel_workers_per_gather = 0" : ""));
    w->reading = true;
    m_workers.push_back(std::move(w));
  }
}

// run_jobs()' schedule, shared by the workers under its mutex: which jobs are taken, how many of
// each group are unfinished, and the first failure.
struct ParallelLoad::JobBoard {
  JobBoard(std::vector<Job> jobs_, const std::vector<std::string>& group_names_,
           const std::function<void(int group)>& group_done_)
      : jobs(std::move(jobs_)), group_names(group_names_), group_done(group_done_),
        left(group_names_.size(), 0), taken(jobs.size(), false) {
    for (const auto& j : jobs) {
      ++left.at(static_cast<std::size_t>(j.group));
    }
  }

  // Under the lock: the first job (in priority order) whose prerequisite group is complete;
  // jobs.size() when every job is taken, nullopt when the rest must wait.
  std::optional<std::size_t> next_job() const {
    bool waiting = false;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (taken[i]) {
        continue;
      }
      if (jobs[i].after < 0 || left[static_cast<std::size_t>(jobs[i].after)] == 0) {
        return i;
      }
      waiting = true;
    }
    return waiting ? std::nullopt : std::optional<std::size_t>(jobs.size());
  }

  std::vector<Job> jobs;
  const std::vector<std::string>& group_names;
  const std::function<void(int group)>& group_done;
  const std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int> left; // unfinished jobs per group
  std::vector<bool> taken;
  std::exception_ptr first;
};

std::optional<std::size_t> ParallelLoad::take_job(JobBoard& board) {
  std::size_t i = 0;
  {
    std::unique_lock<std::mutex> lock(board.mutex);
    std::optional<std::size_t> found;
    board.changed.wait(lock,
                       [&] { return m_abort.load() || (found = board.next_job()).has_value(); });
    if (m_abort.load() || *found == board.jobs.size()) {
      return std::nullopt;
    }
    i = *found;
    board.taken[i] = true;
  }
  if (stopping()) {
    m_abort = true;
    board.changed.notify_all();
    return std::nullopt;
  }
  return i;
}

void ParallelLoad::finish_job(JobBoard& board, std::size_t i) {
  const std::lock_guard<std::mutex> lock(board.mutex);
  const auto g = static_cast<std::size_t>(board.jobs[i].group);
  if (--board.left[g] == 0) {
    spdlog::debug("full load: {} done after {:.3f} s", board.group_names[g],
                  seconds_since(board.t0));
    if (board.group_done) {
      board.group_done(board.jobs[i].group);
    }
  }
  board.changed.notify_all();
}

void ParallelLoad::work(Worker& worker, JobBoard& board) {
  try {
    while (const auto i = take_job(board)) {
      board.jobs[*i].run(worker);
      finish_job(board, *i);
    }
  } catch (...) {
    const std::lock_guard<std::mutex> lock(board.mutex);
    if (!board.first) {
      board.first = std::current_exception();
    }
    m_abort = true;
    board.changed.notify_all();
  }
}

void ParallelLoad::run_jobs(std::vector<Job> jobs, const std::vector<std::string>& group_names,
                            const std::function<void(int group)>& group_done) {
  JobBoard board(std::move(jobs), group_names, group_done);
  std::vector<std::thread> threads;
  const std::size_t n = std::min(m_workers.size(), board.jobs.size());
  threads.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    Worker* worker = m_workers[k].get();
    threads.emplace_back([this, worker, &board] { work(*worker, board); });
  }
  {
    // A stop request or a failed job cancels the statements in flight (a COPY, an index build,
    // ANALYZE, a wait for a lock), so that SIGTERM ends a full load within moments instead of
    // after its current step. Only while the jobs run: no cleanup statement is hit.
    const db::StatementCanceller canceller([this] { return stopping(); },
                                           [this] {
                                             for (const auto& w : m_workers) {
                                               w->source->cancel();
                                               w->target->cancel();
                                             }
                                           });
    for (auto& t : threads) {
      t.join();
    }
  }
  if (m_options.check_stop) {
    m_options.check_stop();
  }
  if (board.first) {
    std::rethrow_exception(board.first);
  }
}

// The groups of run()'s job graph, in priority order.
enum LoadGroup : int { k_orders, k_items, k_items_indexes, k_orders_indexes, k_analyze };
const std::vector<std::string> k_load_group_names{"orders copy", "items copy", "items indexes",
                                                  "orders indexes", "analyze"};

// One run(): the reader of the source (its queries built once, before any worker starts), the
// progress lines, and what the jobs found, which they add under the mutex.
struct ParallelLoad::LoadRun {
  LoadRun(const Options& options, const ShadowTables& shadows, const Extractor& extractor_)
      : reader(extractor_.load_reader(options.closed_statuses)),
        settled(options.keep_settled_prices),
        orders_shadow(db::qualify(options.target_schema, shadows.orders().shadow)),
        items_shadow(db::qualify(options.target_schema, shadows.items().shadow)),
        work_tables(sql::etl_shadow_work),
        index_count(static_cast<std::int64_t>(shadows.orders().indexes.size() +
                                              shadows.items().indexes.size())) {
    const auto& schema = options.target_schema;
    orders_totals =
        render_sql(sql::etl_shadow_orders_totals, schema, nullptr,
                   {{"shadow", orders_shadow},
                    {"totals", settled ? render_sql(sql::etl_shadow_totals_settled, schema, nullptr,
                                                    {{"shadow_items", items_shadow}})
                                       : render_sql(sql::etl_shadow_totals_streamed, schema,
                                                    nullptr, {{"partials", shadows.partials()}})}});
  }

  void add(std::int64_t& field, std::int64_t n) {
    const std::lock_guard<std::mutex> lock(mutex);
    field += n;
  }
  void merge_max(MaxKey& into, const MaxKey& seen) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (seen.any) {
      into.offer(seen.ts, seen.pk);
    }
  }

  const LoadReader reader;
  const bool settled; // a reload keeps the prices of closed orders' items
  const std::string orders_shadow;
  const std::string items_shadow;
  const std::string work_tables;
  std::string orders_totals; // sql/etl/shadow_orders_totals.sql with this load's totals
  const std::int64_t index_count;
  Result result;
  std::mutex mutex;
  MaxKey orders_max;
  MaxKey items_max;
  // Each table shows from the start until its last COPY is done (indexes follow); the indexes
  // show how many are built once the first build starts.
  obs::Progress::Table* orders_progress = nullptr;
  obs::Progress::Table* items_progress = nullptr;
  obs::Progress::Table* indexes_progress = nullptr;
  std::once_flag indexes_shown;
};

ParallelLoad::Result ParallelLoad::run(const Extractor& extractor,
                                       std::optional<std::int64_t> item_blocks) {
  const auto t0 = std::chrono::steady_clock::now();
  connect_workers();
  m_shadows.create(*m_workers.front()->target);
  LoadRun run(m_options, m_shadows, extractor);
  obs::Progress* progress = m_options.progress;
  if (progress != nullptr) {
    run.orders_progress = &progress->start("orders", m_options.orders_estimate);
    run.items_progress = &progress->start("order_items", m_options.items_estimate);
  }
  run_jobs(job_graph(run, item_blocks), k_load_group_names, [&](int group) {
    obs::Progress::Table* done = group == k_orders  ? run.orders_progress
                                 : group == k_items ? run.items_progress
                                                    : nullptr;
    if (done != nullptr) {
      progress->finish(*done);
    }
  });
  if (progress != nullptr) {
    progress->finish(*run.orders_progress);
    progress->finish(*run.items_progress);
    if (run.indexes_progress != nullptr) {
      progress->finish(*run.indexes_progress);
    }
  }
  Result result = run.result;
  result.indexes = static_cast<int>(run.index_count);
  result.orders_max =
      loaded_cursor(run.orders_max, *m_workers.front()->source, extractor, k_tables[2]);
  result.items_max =
      loaded_cursor(run.items_max, *m_workers.front()->source, extractor, k_tables[3]);
  for (auto& w : m_workers) {
    w->source->exec("COMMIT"); // releases the snapshot
    w->reading = false;
  }
  spdlog::debug("full load: {} orders, {} items, {} indexes on {} connections in {:.3f} s",
                result.orders, result.items, result.indexes, m_workers.size(), seconds_since(t0));
  return result;
}

// One graph of jobs in priority order: the item block ranges; then every index of the live
// tables on the shadows (biggest first, each as soon as its table is loaded), with the orders
// (whose totals need every item) next to the longest item index; then fresh statistics per
// table once its indexes exist (ANALYZE and CREATE INDEX lock each other out; without
// statistics the first incremental cycles would plan fan-outs as full scans).
std::vector<ParallelLoad::Job> ParallelLoad::job_graph(LoadRun& run,
                                                       std::optional<std::int64_t> item_blocks) {
  std::vector<Job> jobs;
  if (item_blocks) {
    for (const auto& blocks : split_blocks(*item_blocks, 2 * static_cast<int>(m_workers.size()))) {
      jobs.push_back({items_copy_job(run, blocks), k_items, -1});
    }
  } else {
    jobs.push_back({items_copy_job(run, std::nullopt), k_items, -1});
  }
  const auto& item_indexes = m_shadows.items().indexes;
  for (std::size_t i = 0; i < item_indexes.size(); ++i) {
    jobs.push_back({index_job(run, item_indexes[i]), k_items_indexes, k_items});
    if (i == 0) {
      jobs.push_back({orders_copy_job(run), k_orders, k_items});
    }
  }
  if (item_indexes.empty()) {
    jobs.push_back({orders_copy_job(run), k_orders, k_items});
  }
  for (const auto& ix : m_shadows.orders().indexes) {
    jobs.push_back({index_job(run, ix), k_orders_indexes, k_orders});
  }
  const auto analyze = [](const std::string& table) {
    return [table](Worker& w) { w.target->exec("ANALYZE " + table); };
  };
  jobs.push_back({analyze(run.orders_shadow), k_analyze, k_orders_indexes});
  jobs.push_back({analyze(run.items_shadow), k_analyze, k_items_indexes});
  return jobs;
}

// After the items: the orders with their totals (shadow_orders_totals.sql).
std::function<void(ParallelLoad::Worker&)> ParallelLoad::orders_copy_job(LoadRun& run) {
  return [this, &run](Worker& w) {
    const auto t = std::chrono::steady_clock::now();
    w.target->exec("BEGIN");
    MaxKey seen; // order_id is field 0, updated_at field 7
    obs::RowCounter shown(run.orders_progress);
    // Room for the totals' per-order groups. The partial totals are grouped by sorting them in
    // memory: a hash aggregate allocates a numeric sum per order, which takes twice the time.
    w.target->exec(run.work_tables);
    w.target->exec(std::string("SET LOCAL work_mem = '64MB'") +
                   (run.settled ? "" : "; SET LOCAL enable_hashagg = off"));
    run.reader.copy_orders(
        *w.source, *w.target, "acme_w_orders", [this] { return stopping(); },
        counted(seen.observer(0, 7), shown));
    const std::int64_t n = w.count(run.orders_totals);
    if (!m_shadows.partials().empty()) {
      w.target->exec("DROP TABLE " + m_shadows.partials());
    }
    test_point::reach("load-copy");
    w.target->exec("COMMIT");
    run.add(run.result.orders, n);
    run.merge_max(run.orders_max, seen);
    spdlog::debug("full load job {}: {} orders in {:.3f} s", w.id, n, seconds_since(t));
  };
}

// One range of the items' heap blocks (all of them: nullopt). A reload joins the live items of
// the key span its rows cover to keep closed orders' prices (without that bound the join hashed
// every live item once per range); a first load sums the orders' totals from the rows as they pass
// (OrderTotals) into the partials table.
std::function<void(ParallelLoad::Worker&)>
ParallelLoad::items_copy_job(LoadRun& run, std::optional<BlockRange> blocks) {
  return [this, &run, blocks](Worker& w) {
    const auto t = std::chrono::steady_clock::now();
    const auto stop = [this] { return stopping(); };
    w.target->exec("BEGIN");
    std::int64_t n = 0;
    MaxKey seen; // order_item_id is field 0, updated_at field 9
    obs::RowCounter shown(run.items_progress);
    if (run.settled) {
      w.target->exec(run.work_tables);
      run.reader.copy_items(*w.source, blocks, *w.target, "acme_w_items", stop,
                            counted(seen.observer(0, 9), shown));
      n = w.count(render_sql(
          sql::etl_shadow_items_settled, m_options.target_schema, nullptr,
          {{"shadow", run.items_shadow},
           {"keys", key_condition("t.order_item_id", KeyRange{seen.key_lo, seen.key_hi})}}));
    } else {
      OrderTotals totals;
      const auto cursor = seen.observer(0, 9);
      n = run.reader.copy_items(*w.source, blocks, *w.target,
                                run.items_shadow + " " + k_item_columns, stop,
                                counted(
                                    [&](const std::vector<db::BinaryField>& row) {
                                      cursor(row);
                                      totals.add(row);
                                    },
                                    shown));
      totals.write(*w.target, m_shadows.partials() + " (order_id, items, amount, price)");
    }
    test_point::reach("load-copy");
    w.target->exec("COMMIT");
    run.add(run.result.items, n);
    run.merge_max(run.items_max, seen);
    spdlog::debug("full load job {}: items in blocks {}..{}: {} rows in {:.3f} s", w.id,
                  blocks ? std::to_string(blocks->first) : "all",
                  blocks && blocks->end ? std::to_string(*blocks->end - 1) : "end", n,
                  seconds_since(t));
  };
}

std::function<void(ParallelLoad::Worker&)> ParallelLoad::index_job(LoadRun& run,
                                                                   const ShadowTables::Index& ix) {
  return [this, &run, &ix](Worker& w) {
    if (m_options.progress != nullptr) {
      std::call_once(run.indexes_shown, [&] {
        run.indexes_progress = &m_options.progress->start_steps("indexes", run.index_count);
      });
    }
    const auto t = std::chrono::steady_clock::now();
    test_point::reach("load-index");
    w.target->exec(ix.create);
    if (run.indexes_progress != nullptr) {
      run.indexes_progress->add(1);
    }
    spdlog::debug("full load job {}: index {} in {:.3f} s", w.id, ix.live_name, seconds_since(t));
  };
}

void ParallelLoad::stage_history_events(pqxx::transaction_base& target) {
  m_shadows.stage_history_events(target);
}

void ParallelLoad::swap(pqxx::dbtransaction& target) {
  m_shadows.swap(target, [this] { return stopping(); });
}

void ParallelLoad::discard() noexcept {
  for (auto& w : m_workers) {
    try {
      // A worker whose job failed may sit in an aborted transaction.
      w->target->exec("ROLLBACK");
      m_shadows.drop(*w->target);
      return;
    } catch (const std::exception& e) {
      spdlog::debug("could not drop the shadow tables through load job {} (the next start "
                    "does): {}",
                    w->id, e.what());
    }
  }
}

} // namespace acme::etl

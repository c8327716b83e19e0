// The full load of analytical_orders and analytical_order_items over N connections per side:
// ParallelLoad fills the shadow tables (etl/shadow_tables.hpp) by COPY from one exported
// snapshot and indexes them, in parallel jobs, before they are swapped in.
#pragma once

#include "acme/etl/cursor.hpp"
#include "acme/etl/extractor.hpp"
#include "acme/etl/shadow_tables.hpp"
#include "acme/obs/progress.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::etl {

// The full load of analytical_orders and analytical_order_items: N source connections read one
// exported snapshot, the items split by ranges of heap blocks, and N target connections COPY into
// shadow tables (ShadowTables: same columns, storage options and defaults as the live ones, no
// indexes), then build every index of the live tables on them and ANALYZE them, all in
// parallel. Nothing the readers see changes until swap(), which runs in the caller's (short)
// target transaction with the cursors and the run record (ShadowTables::swap). A crash before
// that commit leaves only shadow tables, which ShadowTables::drop_leftovers() removes at the
// next start.
//
// The orders are loaded once the items are, with their totals: on an empty target summed from the
// item rows as they stream past (etl/order_totals.hpp; no second read of any item), on a loaded
// target over the shadow items, whose closed orders keep their settled prices
// (sql/etl/shadow_*.sql).
class ParallelLoad {
public:
  struct Options {
    std::string source_dsn;
    std::string target_dsn;
    std::string source_schema;
    std::string target_schema;
    std::vector<std::string> closed_statuses;
    int jobs = 2;
    std::string snapshot;              // exported snapshot every source connection imports
    bool keep_settled_prices = false;  // the target holds data: closed orders keep their prices
    std::function<bool()> should_stop; // polled during COPYs; a stop ends the load
    std::function<void()> check_stop;  // throws the caller's "interrupted" after a stop
    obs::Progress* progress = nullptr; // shows the rows of orders and items as they stream
    std::int64_t orders_estimate = -1; // rows expected (source reltuples), for the progress
    std::int64_t items_estimate = -1;
  };

  // What the load produced, for the cursors and the run record.
  struct Result {
    std::int64_t orders = 0;
    std::int64_t items = 0;
    std::optional<Cursor> orders_max; // greatest (updated_at, order_id) read
    std::optional<Cursor> items_max;  // greatest (updated_at, order_item_id) read
    int indexes = 0;
  };

  explicit ParallelLoad(Options options);
  ~ParallelLoad();
  ParallelLoad(const ParallelLoad&) = delete;
  ParallelLoad& operator=(const ParallelLoad&) = delete;

  // Connects the workers, creates the shadow tables, loads them (the items in ranges of heap
  // blocks, then the orders in one COPY), builds their indexes and analyzes them. The workers read
  // through `extractor`'s LoadReader (made before any worker starts); `item_blocks`: the number of
  // heap blocks of the source's items table (nullopt: not a plain table, read whole by one job).
  // COPY streams in binary format (db/copy_connection.hpp).
  Result run(const Extractor& extractor, std::optional<std::int64_t> item_blocks);

  // In the caller's target transaction: ShadowTables::stage_history_events() of this load.
  void stage_history_events(pqxx::transaction_base& target);

  // In the caller's target transaction: ShadowTables::swap() of this load, which gives up
  // between attempts once a stop is requested.
  void swap(pqxx::dbtransaction& target);

  // Best effort after a failure: drops the shadow tables through a worker connection.
  void discard() noexcept;

private:
  struct Worker;
  // A unit of work for one connection pair. A job runs once every job of the group it waits
  // for has finished (indexes after their table's COPYs, ANALYZE after its indexes), so a
  // connection that is done with one step moves on to the next instead of idling.
  struct Job {
    std::function<void(Worker&)> run;
    int group = 0;  // the group it belongs to
    int after = -1; // the group that must be complete first (-1: none)
  };

  void connect_workers();
  // run()'s steps: the job graph and its jobs, over the state one run shares (LoadRun).
  struct LoadRun;
  std::vector<Job> job_graph(LoadRun& run, std::optional<std::int64_t> item_blocks);
  std::function<void(Worker&)> orders_copy_job(LoadRun& run);
  std::function<void(Worker&)> items_copy_job(LoadRun& run, std::optional<BlockRange> blocks);
  std::function<void(Worker&)> index_job(LoadRun& run, const ShadowTables::Index& ix);
  // Runs `jobs` on the workers; `group_done`, if given, is called with each group as it completes.
  void run_jobs(std::vector<Job> jobs, const std::vector<std::string>& group_names,
                const std::function<void(int group)>& group_done = {});
  // run_jobs()' steps, over the schedule the workers share (JobBoard): one worker's loop, which
  // takes the next job that may run (none once every job is taken or the load aborts) and
  // finishes it (its group's count, group_done, waking the waiting workers).
  struct JobBoard;
  void work(Worker& worker, JobBoard& board);
  std::optional<std::size_t> take_job(JobBoard& board);
  void finish_job(JobBoard& board, std::size_t i);
  bool stopping() const;

  Options m_options;
  std::vector<std::unique_ptr<Worker>> m_workers;
  ShadowTables m_shadows;
  std::atomic<bool> m_abort{false};
};

} // namespace acme::etl

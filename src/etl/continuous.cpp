#include "acme/etl/continuous.hpp"

#include "acme/etl/backoff.hpp"

#include <random>
#include <spdlog/spdlog.h>
#include <thread>

namespace acme::etl {

bool sleep_unless_stopped(std::chrono::milliseconds duration,
                          const std::function<bool()>& should_stop) {
  const auto until = std::chrono::steady_clock::now() + duration;
  constexpr auto k_slice = std::chrono::milliseconds(20);
  while (!should_stop()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) {
      return true;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(k_slice, until - now));
  }
  return false;
}

void run_with_retries(const RetryPolicy& policy, const std::function<bool()>& attempt,
                      const std::function<void()>& reset,
                      const std::function<bool()>& should_stop) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int failures = 0;
  while (!should_stop()) {
    const auto started = std::chrono::steady_clock::now();
    try {
      const bool again = attempt();
      if (failures > 0) {
        spdlog::info("{} recovered after {} failed attempt(s)", policy.what, failures);
      }
      failures = 0;
      if (!again) {
        break;
      }
    } catch (const Interrupted&) {
      break;
    } catch (const Fatal&) {
      policy.metrics->cycle_failed(obs::ErrorClass::fatal);
      throw;
    } catch (const Error& e) {
      policy.metrics->cycle_failed(obs::ErrorClass::retryable);
      reset();
      if (std::chrono::steady_clock::now() - started >= policy.healthy_after) {
        failures = 0; // it ran well for a while: a new outage, not the same one going on
      }
      const auto delay =
          backoff_delay(failures, policy.backoff_base, policy.backoff_cap, unit(rng));
      ++failures;
      spdlog::error("{} failed (attempt {}), retrying in {:.1f} s: {}", policy.what, failures,
                    static_cast<double>(delay.count()) / 1000.0, e.what());
      if (!sleep_unless_stopped(delay, should_stop)) {
        break;
      }
    }
  }
}

long run_continuous(Syncer& syncer, const ContinuousOptions& options,
                    const std::function<bool()>& should_stop) {
  long cycles = 0;
  bool reconciled_all = false; // the first cycle compares every key at once
  spdlog::info("continuous sync: every {:.3f} s; every key compared with the source at start, "
               "then once every {} cycles (one slice of the key space per cycle)",
               static_cast<double>(options.interval.count()) / 1000.0, options.reconcile_every);
  RetryPolicy policy;
  policy.what = "sync";
  policy.backoff_base = options.backoff_base;
  policy.backoff_cap = options.backoff_cap;
  policy.metrics = options.metrics;
  const auto cycle = [&] {
    // The interval is measured from cycle start to cycle start, so a change waits at most about
    // one interval plus one cycle, however long the cycles take.
    const auto cycle_start = std::chrono::steady_clock::now();
    SyncRequest request;
    // Deletes and NULL updated_at are found by key reconciliation. Done whole every N cycles, it
    // made those cycles N times longer than the others (they set the p99 of the latency);
    // sliced, each cycle compares 1/N of the key space and every key still once every N cycles.
    request.reconcile = true;
    request.reconcile_slices = reconciled_all ? options.reconcile_every : 1;
    const SyncResult r = syncer.sync(request);
    ++cycles;
    reconciled_all = true;
    options.metrics->cycle_succeeded(r.seconds, r.rows_read, r.rows_written, r.seconds);
    options.metrics->table_rows(r.read_by_table, r.written_by_step);
    const auto level =
        r.rows_written > 0 || r.mode != "incremental" ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(level, "cycle {} {}: read {} rows, wrote {} rows in {:.3f} s (horizon {} {})",
                cycles, r.mode, r.rows_read, r.rows_written, r.seconds,
                r.horizon.exact ? "exact" : "lookback", r.horizon.safe_ts);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - cycle_start);
    return sleep_unless_stopped(std::max(options.interval - elapsed, std::chrono::milliseconds(0)),
                                should_stop);
  };
  run_with_retries(
      policy, cycle, [&] { syncer.reset(); }, should_stop);
  spdlog::info("continuous sync stopped after {} committed cycles", cycles);
  return cycles;
}

} // namespace acme::etl

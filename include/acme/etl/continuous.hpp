// Continuous poll mode: the loop that runs a sync cycle every interval, the retry loop with
// backoff that polling and CDC share, and the sleep that wakes on a stop request.
#pragma once

#include "acme/etl/sync.hpp"
#include "acme/obs/metrics.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace acme::etl {

// How continuous mode paces itself.
struct ContinuousOptions {
  std::chrono::milliseconds interval{10000}; // from one cycle's start to the next one's
  int reconcile_every = 30; // every key compared once every N cycles (and at start)
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{60000};
  obs::Metrics* metrics = &obs::no_metrics(); // told about every cycle, committed or failed
};

// Runs a cycle every `interval` (start to start; back to back when a cycle takes longer) until
// `should_stop` returns true; the sleep wakes promptly on stop. Transient failures (lost
// connections, restarts) are logged and retried with capped exponential backoff and jitter;
// acme::Fatal (authentication, permission, schema) propagates. Returns the number of committed
// cycles.
long run_continuous(Syncer& syncer, const ContinuousOptions& options,
                    const std::function<bool()>& should_stop);

// How both continuous modes retry: capped exponential backoff with jitter.
struct RetryPolicy {
  std::string what = "sync"; // "sync failed (attempt 2), retrying in ...: <error>"
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{60000};
  // A failed attempt that had run this long was a healthy period: the backoff starts over.
  std::chrono::milliseconds healthy_after{30000};
  obs::Metrics* metrics = &obs::no_metrics(); // told about every failure
};

// The one retry loop of continuous mode, polling and CDC alike: calls `attempt` until it returns
// false or `should_stop` is true. A retryable acme::Error (lost connection, server restart,
// deadlock, cancel, a stalled stream) is logged, counted in the metrics, `reset` forgets the
// connections, and the attempt runs again after backoff_delay(failures); the count starts over
// after an attempt that returned normally or ran for healthy_after before failing. Interrupted
// ends the loop; acme::Fatal is counted and propagates.
void run_with_retries(const RetryPolicy& policy, const std::function<bool()>& attempt,
                      const std::function<void()>& reset, const std::function<bool()>& should_stop);

// Sleeps up to `duration`, returning early (false) as soon as `should_stop` is true.
bool sleep_unless_stopped(std::chrono::milliseconds duration,
                          const std::function<bool()>& should_stop);

} // namespace acme::etl

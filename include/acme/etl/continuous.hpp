#pragma once

#include "acme/etl/sync.hpp"
#include "acme/ops/metrics.hpp"

#include <chrono>
#include <functional>

namespace acme::etl {

// How continuous mode paces itself.
struct ContinuousOptions {
  std::chrono::milliseconds interval{10000}; // from one cycle's start to the next one's
  int reconcile_every = 30;                  // every key compared once every N cycles (and at start)
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{60000};
  ops::Metrics* metrics = &ops::no_metrics(); // told about every cycle, committed or failed
};

// Runs a cycle every `interval` (start to start; back to back when a cycle takes longer) until
// `should_stop` returns true; the sleep wakes promptly on stop. Transient failures (lost
// connections, restarts) are logged and retried with capped exponential backoff and jitter;
// acme::Fatal (authentication, permission, schema) propagates. Returns the number of committed
// cycles.
long run_continuous(Syncer& syncer, const ContinuousOptions& options,
                    const std::function<bool()>& should_stop);

// Sleeps up to `duration`, returning early (false) as soon as `should_stop` is true.
bool sleep_unless_stopped(std::chrono::milliseconds duration,
                          const std::function<bool()>& should_stop);

} // namespace acme::etl

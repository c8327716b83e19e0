// The delay before a retry: capped exponential backoff with jitter. Pure.
#pragma once

#include <chrono>
#include <cstdint>

namespace acme::etl {

// Capped exponential backoff with jitter: attempt 0 waits about `base`, each further attempt
// doubles it up to `cap`; the result is drawn uniformly from [delay/2, delay] using `random01`
// in [0, 1), so that many acme instances restarting together do not retry in lockstep.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double random01);

} // namespace acme::etl

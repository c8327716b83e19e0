#include "acme/etl/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace acme::etl {

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double random01) {
  const double exp = std::ldexp(static_cast<double>(base.count()), std::clamp(attempt, 0, 30));
  const double delay = std::min(exp, static_cast<double>(cap.count()));
  const double r = std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(std::llround(delay / 2.0 + r * delay / 2.0));
}

} // namespace acme::etl

#include "acme/test_point.hpp"

#if ACME_TEST_HOOKS
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <spdlog/spdlog.h>
#include <string>

namespace acme::test_point {
namespace {
std::mutex g_mutex;
std::function<void(std::string_view)> g_callback; // NOLINT: test-only global
} // namespace

void set_callback(std::function<void(std::string_view)> callback) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  g_callback = std::move(callback);
}

void reach(std::string_view point, pqxx::transaction_base* target) {
  std::function<void(std::string_view)> callback;
  {
    const std::lock_guard<std::mutex> lock(g_mutex);
    callback = g_callback;
  }
  if (callback) {
    callback(point);
  }
  const char* env = std::getenv("ACME_FAILPOINT"); // NOLINT(concurrency-mt-unsafe)
  if (env == nullptr) {
    return;
  }
  const std::string failpoint(env);
  if (failpoint == point) {
    spdlog::warn("failpoint {}: killing this process", point);
    std::raise(SIGKILL);
  }
  if (target != nullptr && failpoint == "stall-" + std::string(point)) {
    spdlog::warn("failpoint stall-{}: a long statement in the target transaction", point);
    target->exec("SELECT pg_sleep(3600)");
  }
}

} // namespace acme::test_point
#endif

#pragma once

// Named points in a sync cycle where tests crash, stall or pause acme. They exist only in test
// builds (CMake option ACME_TEST_HOOKS, on in the debug and asan presets, off in release): a
// release binary ignores ACME_FAILPOINT entirely.
//
//   ACME_FAILPOINT=<point>        SIGKILL this process at <point>
//   ACME_FAILPOINT=stall-<point>  at <point>, run pg_sleep(3600) in the target transaction
//                                 (a long statement, for tests that kill acme from outside)
// In-process tests can also register a callback that runs at every point.

#include <functional>
#include <pqxx/transaction_base>
#include <string_view>

namespace acme::test_point {

#if ACME_TEST_HOOKS
inline constexpr bool k_enabled = true;
// Runs the point: the callback, then the ACME_FAILPOINT action if it names this point.
void reach(std::string_view point, pqxx::transaction_base* target = nullptr);
// Installs (or, with an empty function, removes) the in-process callback.
void set_callback(std::function<void(std::string_view)> callback);
#else
inline constexpr bool k_enabled = false;
inline void reach(std::string_view, pqxx::transaction_base* = nullptr) {}
#endif

} // namespace acme::test_point

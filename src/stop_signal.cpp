#include "acme/stop_signal.hpp"

#include <csignal>

namespace acme {
namespace {

// The one justified mutable global: a signal handler cannot take state.
volatile std::sig_atomic_t g_stop_requested = 0; // NOLINT: written by the signal handler

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop_requested = 1;
}

} // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

bool stop_requested() {
  return g_stop_requested != 0;
}

} // namespace acme

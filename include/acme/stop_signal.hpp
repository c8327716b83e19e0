// Graceful stop on SIGTERM and SIGINT: the signal handlers and the flag the loops poll.
#pragma once

namespace acme {

// Installs SIGTERM/SIGINT handlers that request a graceful stop (without SA_RESTART, so a
// blocking sleep or poll wakes up). Shared by acme and acme-datagen.
void install_stop_handlers();

// Whether SIGTERM or SIGINT has arrived since install_stop_handlers().
bool stop_requested();

} // namespace acme

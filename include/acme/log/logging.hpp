// acme's logging: the spdlog setup (stderr, daily files, text or JSON, secrets redacted), the
// terminal status line, and printable(), which makes database text safe for a log line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace acme::log {

// How acme logs: level, "text" or "json", an optional directory for daily files, and the
// secrets that must never reach a log line.
struct Options {
  std::string level = "info";
  std::string format = "text";
  std::string dir;
  std::vector<std::string> secrets;
};

// Installs the default spdlog logger: stderr plus, if `dir` is set, `<dir>/YYYYMMDD_acme.log`.
// Every line passes through secret redaction. Throws acme::Error if the directory is unusable.
// Text that may quote a database (application names, transaction names, statuses) made safe
// for a log line or a terminal: control characters (ESC sequences, and newlines unless
// `keep_newlines`) become \xNN, C1 controls \u00NN, so a value cannot forge lines or drive the
// terminal. Every text log line passes through it, and every report acme prints on a terminal.
std::string printable(std::string_view text, bool keep_newlines = false);

void setup(const Options& options);

// Logs the error that ends the process as an error line when setup() made the log JSON or
// also wrote it to files, so that it reaches them in their format. Returns false when it did not
// (a plain text log to stderr, no setup yet, or a level above error): the caller prints its own
// "acme: error:" line then.
bool log_fatal(const std::string& message);

// Whether setup() gave stderr a status line: stderr is a terminal and the format is text (never
// with json, never into a pipe or the journal).
bool has_status_line();

// Shows `text` as the status line below the log lines on stderr, rewritten in place (carriage
// return, cut to the terminal's width); log lines print above it. An empty text clears it.
// Does nothing without a status line. Thread-safe.
void set_status_line(const std::string& text);

// Formats one log record as a single JSON object line (exposed for tests).
std::string json_line(const std::string& ts, const std::string& level, const std::string& message);

} // namespace acme::log

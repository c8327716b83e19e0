#pragma once

#include <string>
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
void setup(const Options& options);

// Formats one log record as a single JSON object line (exposed for tests).
std::string json_line(const std::string& ts, const std::string& level, const std::string& message);

} // namespace acme::log

// acme's process exit codes and exception classes (Error, Fatal, UsageError, LockedError), and
// one_line(), which flattens a server's multi-line error message.
#pragma once

#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>

namespace acme {

// Documented, stable process exit codes (README "Exit codes").
enum class ExitCode : int {
  ok = 0,
  failure = 1,      // any other failure: database error, I/O error, bug
  usage = 2,        // bad flag, bad .env, missing or invalid setting
  locked = 3,       // another acme instance holds the target's lock
  drift = 4,        // acme verify: the target differs from the source
  quality = 5,      // acme quality: the overall score is below --fail-below
  interrupted = 130 // not used for SIGTERM/SIGINT in continuous mode, which exit 0 by design
};

// A failure the caller may handle: retry a cycle, skip one report.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A failure that ends the run: retrying cannot help (authentication, permissions, schema).
class Fatal : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Bad command line or configuration; exit code 2.
class UsageError : public Fatal {
public:
  using Fatal::Fatal;
};

// Another acme instance holds the single-writer lock; exit code 3.
class LockedError : public Fatal {
public:
  using Fatal::Fatal;
};

// An error message as one line for acme's own output: a server's multi-line text (libpq's
// "ERROR:  " prefix, the "LINE n:" excerpt and its caret, a tab-indented hint) becomes its
// lines' text joined with "; ".
inline std::string one_line(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())) != 0) {
      line.remove_prefix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())) != 0) {
      line.remove_suffix(1);
    }
    const bool excerpt = line.size() > 5 && line.substr(0, 5) == "LINE " &&
                         std::isdigit(static_cast<unsigned char>(line[5])) != 0;
    if (line.empty() || line == "^" || excerpt) {
      continue;
    }
    out += out.empty() ? "" : "; ";
    out += line;
  }
  for (auto pos = out.find("ERROR:  "); pos != std::string::npos; pos = out.find("ERROR:  ", pos)) {
    out.erase(pos, 8);
  }
  return out;
}

} // namespace acme

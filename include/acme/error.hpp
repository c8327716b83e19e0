#pragma once

#include <stdexcept>
#include <string>

namespace acme {

// Documented, stable process exit codes (README "Exit codes").
enum class ExitCode : int {
  ok = 0,
  failure = 1,      // any other failure: database error, I/O error, bug
  usage = 2,        // bad flag, bad .env, missing or invalid setting
  locked = 3,       // another acme instance holds the target's lock
  drift = 4,        // acme verify: the target differs from the source
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

} // namespace acme

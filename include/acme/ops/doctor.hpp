// `acme doctor`: the read-only preflight checks of the source and target, each with its verdict
// and the exact fix, and the report as text or JSON.
#pragma once

#include "acme/config/config.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace acme::ops {

// The verdict of one preflight check.
enum class CheckStatus { ok, warn, fail };

// One line of `acme doctor`: what was checked, what was found, and for warn/fail the exact fix:
// SQL that runs as printed when pasted into psql by a superuser (advice only in `--` comments;
// tests/integration/doctor_test.cpp pastes each one), or a setting to change.
struct Check {
  std::string name;
  CheckStatus status = CheckStatus::ok;
  std::string detail;
  std::string fix; // empty for ok
};

// Every check of one doctor run, in the order they ran.
struct DoctorReport {
  std::vector<Check> checks;

  // Whether any check failed (acme doctor exits 1).
  bool failed() const;
  // One line per check: "ok   name: detail", non-ok lines end with "fix: ...".
  std::string to_text() const;
  // {"checks": [{"check", "status", "detail", "fix"}...], "ok": n, "warn": n, "fail": n}
  nlohmann::json to_json() const;
};

// Runs the preflight against the configured source and target. Never throws for what it finds
// (an unreachable database is a failed check); only reads, on both databases.
DoctorReport run_doctor(const config::Config& config);

} // namespace acme::ops

// Headless Chromium for the tests that render acme's HTML: the exported report.html and acme
// serve's live page. Chromium is a test dependency (scripts/install-deps).
#pragma once

#include "support/pg.hpp"
#include "support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace acme::test {

// `program` looked up in PATH (the test helpers exec without a search), or "" if absent.
inline std::string find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / program;
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return {};
}

// Runs headless Chromium on `url` (file://... or http://...) with a fresh profile (removed
// afterwards), plus `args`. Missing Chromium fails the test.
inline ProcessResult chromium(const std::string& url, const std::vector<std::string>& args) {
  const std::string browser = find_program("chromium");
  const std::string timeout = find_program("timeout");
  if (browser.empty() || timeout.empty()) {
    ADD_FAILURE() << "chromium (and coreutils timeout) must be installed: scripts/install-deps";
    return {};
  }
  const TempDir profile("chromium");
  std::vector<std::string> argv{timeout,
                                "120",
                                browser,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--hide-scrollbars",
                                "--user-data-dir=" + profile.path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  return run_process(argv, {"HOME=" + profile.path().string()});
}

} // namespace acme::test

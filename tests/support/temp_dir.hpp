#pragma once
// A directory of a test's own under the system's temporary directory, removed when the test
// ends, however it ends (a failed assertion included), and read_file() for what is written there.
#include "support/pg.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <system_error>

namespace acme::test {

class TempDir {
public:
  explicit TempDir(const std::string& suffix)
      : m_path(std::filesystem::temp_directory_path() / unique_name(suffix)) {
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::string str() const { return m_path.string(); }

private:
  std::filesystem::path m_path;
};

// The whole file, bytes as they are; a file that cannot be read fails the test (and gives "").
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace acme::test

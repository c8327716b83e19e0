#include "acme/report/atomic_file.hpp"

#include "acme/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace acme::report {
namespace {

constexpr std::size_t k_buffer_bytes = 256 * 1024;
constexpr int k_create_attempts = 100;

std::filesystem::path directory_of(const std::filesystem::path& path) {
  const auto parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

void fsync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(
        fmt::format("cannot open directory {} to sync it: {}", dir.string(), std::strerror(errno)));
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  // Some file systems cannot fsync a directory (EINVAL); the rename is still atomic there.
  if (rc != 0 && saved != EINVAL) {
    throw Error(fmt::format("cannot sync directory {}: {}", dir.string(), std::strerror(saved)));
  }
}

} // namespace

AtomicFile::AtomicFile(std::filesystem::path destination) : m_destination(std::move(destination)) {
  const auto dir = directory_of(m_destination);
  std::random_device entropy;
  std::mt19937_64 random((static_cast<std::uint64_t>(entropy()) << 32U) ^
                         static_cast<std::uint64_t>(::getpid()));
  for (int attempt = 0; attempt < k_create_attempts; ++attempt) {
    auto candidate =
        dir / fmt::format(".{}.{:016x}.tmp", m_destination.filename().string(), random());
    // O_EXCL: never reuse, truncate or follow anything already there (a planted symlink fails).
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      m_fd = fd;
      m_temp = std::move(candidate);
      m_buffer.reserve(k_buffer_bytes);
      return;
    }
    if (errno != EEXIST) {
      throw Error(fmt::format("cannot create a temporary file in {} for {}: {}", dir.string(),
                              m_destination.filename().string(), std::strerror(errno)));
    }
  }
  throw Error(
      fmt::format("cannot create a temporary file in {}: too many name collisions", dir.string()));
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  if (!m_temp.empty()) {
    ::unlink(m_temp.c_str());
  }
}

void AtomicFile::write(std::string_view data) {
  if (m_fd < 0) {
    throw Error(fmt::format("{}: write after commit", m_destination.string()));
  }
  if (m_buffer.size() + data.size() > k_buffer_bytes) {
    flush_buffer();
  }
  if (data.size() >= k_buffer_bytes) {
    m_buffer.assign(data);
    flush_buffer();
    return;
  }
  m_buffer.append(data);
}

void AtomicFile::commit() {
  if (m_fd < 0) {
    throw Error(fmt::format("{}: already committed", m_destination.string()));
  }
  flush_buffer();
  if (::fsync(m_fd) != 0) {
    fail("cannot sync", errno);
  }
  const int fd = std::exchange(m_fd, -1);
  if (::close(fd) != 0) {
    fail("cannot close", errno);
  }
  if (::rename(m_temp.c_str(), m_destination.c_str()) != 0) {
    fail("cannot rename into place", errno);
  }
  m_temp.clear();
  fsync_directory(directory_of(m_destination));
}

void AtomicFile::flush_buffer() {
  std::string_view rest = m_buffer;
  while (!rest.empty()) {
    const ssize_t n = ::write(m_fd, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot write", errno);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  m_buffer.clear();
}

void AtomicFile::fail(std::string_view what, int error_number) const {
  throw Error(fmt::format("{} {} (via {}): {}", what, m_destination.string(),
                          m_temp.filename().string(), std::strerror(error_number)));
}

} // namespace acme::report

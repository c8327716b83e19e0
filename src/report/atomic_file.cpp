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

constexpr std::size_t k_buffer_bytes = std::size_t{256} * 1024;
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

AtomicFile::AtomicFile(std::filesystem::path destination, mode_t mode)
    : m_destination(std::move(destination)) {
  const auto dir = directory_of(m_destination);
  // Anonymous until commit(): a process killed in the middle (SIGKILL, OOM, power loss) leaves
  // nothing behind. File systems without O_TMPFILE get a named temporary file instead.
  m_fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
  if (m_fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    throw Error(fmt::format("cannot create a temporary file in {} for {}: {}", dir.string(),
                            m_destination.filename().string(), std::strerror(errno)));
  }
  if (m_fd < 0) {
    m_fd = create_named(dir, mode);
  }
  // The mode exactly, whatever the umask: report files hold personal data.
  if (::fchmod(m_fd, mode) != 0) {
    const int saved = errno;
    close_and_remove();
    throw Error(fmt::format("cannot set mode {:04o} on a temporary file for {}: {}", mode,
                            m_destination.string(), std::strerror(saved)));
  }
  m_buffer.reserve(k_buffer_bytes);
}

int AtomicFile::create_named(const std::filesystem::path& dir, mode_t mode) {
  std::random_device entropy;
  std::mt19937_64 random((static_cast<std::uint64_t>(entropy()) << 32U) ^
                         static_cast<std::uint64_t>(::getpid()));
  for (int attempt = 0; attempt < k_create_attempts; ++attempt) {
    auto candidate =
        dir / fmt::format(".{}.{:016x}.tmp", m_destination.filename().string(), random());
    // O_EXCL: never reuse, truncate or follow anything already there (a planted symlink fails).
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) {
      m_temp = std::move(candidate);
      return fd;
    }
    if (errno != EEXIST) {
      throw Error(fmt::format("cannot create a temporary file in {} for {}: {}", dir.string(),
                              m_destination.filename().string(), std::strerror(errno)));
    }
  }
  throw Error(
      fmt::format("cannot create a temporary file in {}: too many name collisions", dir.string()));
}

void AtomicFile::close_and_remove() noexcept {
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  if (!m_temp.empty()) {
    ::unlink(m_temp.c_str());
    m_temp.clear();
  }
}

AtomicFile::~AtomicFile() {
  close_and_remove();
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
  if (m_temp.empty()) {
    link_anonymous();
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

void AtomicFile::link_anonymous() {
  // linkat() cannot replace a file: the complete file gets a fresh name first, then rename()
  // replaces the destination atomically. /proc/self/fd links an O_TMPFILE without privileges.
  const auto dir = directory_of(m_destination);
  const std::string self = fmt::format("/proc/self/fd/{}", m_fd);
  std::random_device entropy;
  std::mt19937_64 random((static_cast<std::uint64_t>(entropy()) << 32U) ^
                         static_cast<std::uint64_t>(::getpid()));
  for (int attempt = 0; attempt < k_create_attempts; ++attempt) {
    auto candidate =
        dir / fmt::format(".{}.{:016x}.tmp", m_destination.filename().string(), random());
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      m_temp = std::move(candidate);
      return;
    }
    if (errno != EEXIST) {
      fail("cannot give a name to the new", errno);
    }
  }
  fail("cannot give a name to the new", EEXIST);
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
                          m_temp.empty() ? std::string("an unnamed temporary file")
                                         : m_temp.filename().string(),
                          std::strerror(error_number)));
}

} // namespace acme::report

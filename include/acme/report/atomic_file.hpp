// AtomicFile: a report file that appears at its destination complete or not at all, with an
// exact file mode.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace acme::report {

// A file that appears at its destination complete or not at all, with exactly `mode` (the umask
// does not apply; default 0640: reports hold personal data). Bytes go to an unnamed file in the
// destination's directory (O_TMPFILE), so a process killed while writing leaves nothing behind;
// commit() fsyncs it, links it under a fresh temporary name, renames that over the destination
// and fsyncs the directory. Where O_TMPFILE is unsupported the temporary file is named from the
// start (O_EXCL) and removed unless committed. rename() replaces a symlink at the destination
// itself: its target is never followed or written. Until commit() the destination is untouched.
class AtomicFile {
public:
  static constexpr mode_t k_default_mode = 0640;

  // Creates the temporary file next to `destination`. Throws acme::Error on failure.
  explicit AtomicFile(std::filesystem::path destination, mode_t mode = k_default_mode);

  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&&) = delete;
  AtomicFile& operator=(AtomicFile&&) = delete;

  // Appends bytes (buffered). Throws acme::Error on a write failure (disk full, ...).
  void write(std::string_view data);

  // Flushes, fsyncs, renames over the destination and fsyncs the directory.
  void commit();

  // Where the file will appear.
  const std::filesystem::path& destination() const { return m_destination; }

  // The named temporary file being written: empty while the file has no name (O_TMPFILE) and
  // once committed.
  const std::filesystem::path& temp_path() const { return m_temp; }

private:
  int create_named(const std::filesystem::path& dir, mode_t mode);
  void link_anonymous();
  void close_and_remove() noexcept;
  void flush_buffer();
  [[noreturn]] void fail(std::string_view what, int error_number) const;

  std::filesystem::path m_destination;
  std::filesystem::path m_temp;
  std::string m_buffer;
  int m_fd = -1;
};

} // namespace acme::report

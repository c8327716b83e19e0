#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace acme::report {

// A file that appears at its destination complete or not at all. Bytes go to a new temporary
// file in the destination's directory (created with O_EXCL, mode 0644 before the umask);
// commit() fsyncs it, renames it over the destination and fsyncs the directory. rename()
// replaces a symlink at the destination itself: its target is never followed or written.
// Until commit() an existing destination is untouched; an uncommitted temp file is removed.
class AtomicFile {
public:
  // Creates the temporary file next to `destination`. Throws acme::Error on failure.
  explicit AtomicFile(std::filesystem::path destination);

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

  // The temporary file being written (empty once committed).
  const std::filesystem::path& temp_path() const { return m_temp; }

private:
  void flush_buffer();
  [[noreturn]] void fail(std::string_view what, int error_number) const;

  std::filesystem::path m_destination;
  std::filesystem::path m_temp;
  std::string m_buffer;
  int m_fd = -1;
};

} // namespace acme::report

// Progress of long operations (the full load, verify): rows per table with rate and ETA, shown
// on a terminal status line or in periodic log lines, and the formatting behind them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace acme::obs {

// 1234567 -> "1,234,567".
std::string group_thousands(std::int64_t n);

// Whole seconds as "M:SS" or "H:MM:SS" (fractions cut; an ETA rounds up before).
std::string format_duration(double seconds);

// One progress line: `orders 1,234,567/~3,000,000 rows (41%) 512,340 rows/s ETA 0:03`.
// `estimate` is the table's pg_class.reltuples: unknown when <= 0 (no total, percent or ETA),
// and once `rows` reached it the percent and ETA are omitted too (the estimate was stale). The
// ETA is rounded up to a whole second.
// Before any row, the elapsed time shows instead of a rate. Pure.
std::string progress_line(std::string_view table, std::int64_t rows, std::int64_t estimate,
                          double seconds);

// A count of steps that vary too much in cost for a rate or an ETA (index builds):
// `indexes 3/7, 0:12 elapsed`. Pure.
std::string steps_line(std::string_view name, std::int64_t done, std::int64_t total,
                       double seconds);

// Live progress of a long operation (the full load, verify), per table. Workers add rows to their
// table's atomic counter; one thread renders them: on a terminal (acme::log::has_status_line():
// stderr is a TTY and the log format is text) one status line rewritten in place every 200 ms
// and cleared at the end; otherwise an info log line per running table every 10 s.
// ACME_PROGRESS_INTERVAL_MS overrides either interval (for tests).
class Progress {
public:
  // One table's counter; lives as long as its Progress. add() is thread-safe and wait-free.
  class Table {
  public:
    void add(std::int64_t rows) noexcept;

  private:
    friend class Progress;
    std::string m_name;
    std::int64_t m_estimate = -1;
    std::chrono::steady_clock::time_point m_started;
    std::atomic<std::int64_t> m_rows{0};
    std::atomic<std::int64_t> m_first_row_ns{0}; // steady clock, when the first rows came
    bool m_steps = false;                        // counts steps, not rows (steps_line)
    bool m_running = true;                       // guarded by Progress::m_mutex
  };

  // `operation` prefixes every line ("full load", "verify").
  explicit Progress(std::string operation);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Starts showing `name`, expected to have about `estimate` rows (<= 0: unknown).
  Table& start(std::string name, std::int64_t estimate);
  // Starts showing `name` as `total` steps; add(1) per step done.
  Table& start_steps(std::string name, std::int64_t total);
  // Stops showing `table`.
  void finish(Table& table);

  // How often the line is rendered: ACME_PROGRESS_INTERVAL_MS if set (> 0), else 200 ms on a
  // terminal and 10 s in the logs.
  static std::chrono::milliseconds interval(bool terminal);

private:
  Table& add_table(std::string name, std::int64_t estimate, bool steps);
  void render_loop();
  std::string line_of(const Table& table) const;

  std::string m_operation;
  bool m_terminal = false;
  std::chrono::milliseconds m_interval;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::deque<Table> m_tables; // a deque: references stay valid as tables are added
  std::thread m_thread;       // last: starts once everything above is ready
};

// Feeds a Progress::Table (or nothing, when null) from a per-row hook with one atomic add per
// 1024 rows; the rest is added on destruction. Not thread-safe: one per COPY.
class RowCounter {
public:
  explicit RowCounter(Progress::Table* table) : m_table(table) {}
  ~RowCounter() { flush(); }
  RowCounter(const RowCounter&) = delete;
  RowCounter& operator=(const RowCounter&) = delete;

  void row() noexcept {
    if (++m_pending == k_chunk) {
      flush();
    }
  }
  void flush() noexcept {
    if (m_table != nullptr && m_pending > 0) {
      m_table->add(m_pending);
    }
    m_pending = 0;
  }

private:
  static constexpr std::int64_t k_chunk = 1024;
  Progress::Table* m_table;
  std::int64_t m_pending = 0;
};

} // namespace acme::obs

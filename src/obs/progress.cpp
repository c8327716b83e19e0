#include "acme/obs/progress.hpp"

#include "acme/log/logging.hpp"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace acme::obs {
namespace {

constexpr std::chrono::milliseconds k_terminal_tick{200};
constexpr std::chrono::milliseconds k_log_interval{10000};

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

std::string group_thousands(std::int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_duration(double seconds) {
  const auto total = static_cast<std::int64_t>(std::max(0.0, seconds));
  const std::int64_t h = total / 3600;
  const std::int64_t m = total / 60 % 60;
  const std::int64_t s = total % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

std::string progress_line(std::string_view table, std::int64_t rows, std::int64_t estimate,
                          double seconds) {
  std::string line = fmt::format("{} {}", table, group_thousands(rows));
  if (estimate > 0) {
    line += "/~" + group_thousands(estimate);
  }
  line += " rows";
  const bool below_estimate = estimate > 0 && rows < estimate;
  if (below_estimate) {
    line += fmt::format(" ({}%)", rows * 100 / estimate);
  }
  if (rows == 0 || seconds <= 0.0) {
    return line + ", " + format_duration(seconds) + " elapsed";
  }
  const double rate = static_cast<double>(rows) / seconds;
  line += " " + group_thousands(std::llround(rate)) + " rows/s";
  if (below_estimate) {
    line += " ETA " + format_duration(std::ceil(static_cast<double>(estimate - rows) / rate));
  }
  return line;
}

std::string steps_line(std::string_view name, std::int64_t done, std::int64_t total,
                       double seconds) {
  return fmt::format("{} {}/{}, {} elapsed", name, done, total, format_duration(seconds));
}

void Progress::Table::add(std::int64_t rows) noexcept {
  if (rows > 0 && m_rows.fetch_add(rows, std::memory_order_relaxed) == 0) {
    m_first_row_ns.store(steady_ns(), std::memory_order_relaxed);
  }
}

std::chrono::milliseconds Progress::interval(bool terminal) {
  if (const char* v = std::getenv("ACME_PROGRESS_INTERVAL_MS"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    const long ms = std::strtol(v, &end, 10);
    if (end != nullptr && *end == '\0' && ms > 0) {
      return std::chrono::milliseconds(ms);
    }
  }
  return terminal ? k_terminal_tick : k_log_interval;
}

Progress::Progress(std::string operation)
    : m_operation(std::move(operation)), m_terminal(log::has_status_line()),
      m_interval(interval(m_terminal)), m_thread([this] { render_loop(); }) {}

Progress::~Progress() {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
  if (m_terminal) {
    log::set_status_line("");
  }
}

Progress::Table& Progress::start(std::string name, std::int64_t estimate) {
  return add_table(std::move(name), estimate, false);
}

Progress::Table& Progress::start_steps(std::string name, std::int64_t total) {
  return add_table(std::move(name), total, true);
}

Progress::Table& Progress::add_table(std::string name, std::int64_t estimate, bool steps) {
  const std::lock_guard<std::mutex> lock(m_mutex);
  Table& t = m_tables.emplace_back();
  t.m_name = std::move(name);
  t.m_estimate = estimate;
  t.m_steps = steps;
  t.m_started = std::chrono::steady_clock::now();
  return t;
}

void Progress::finish(Table& table) {
  const std::lock_guard<std::mutex> lock(m_mutex);
  table.m_running = false;
}

std::string Progress::line_of(const Table& table) const {
  const std::int64_t rows = table.m_rows.load(std::memory_order_relaxed);
  if (table.m_steps) {
    return steps_line(
        table.m_name, rows, table.m_estimate,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - table.m_started).count());
  }
  const std::int64_t first = table.m_first_row_ns.load(std::memory_order_relaxed);
  // The rate counts from the first row: a table whose COPY waits for another (the orders of a
  // reload wait for the items) is not shown slower than it runs.
  const double seconds =
      rows > 0 && first != 0
          ? static_cast<double>(steady_ns() - first) / 1e9
          : std::chrono::duration<double>(std::chrono::steady_clock::now() - table.m_started)
                .count();
  return progress_line(table.m_name, rows, table.m_estimate, seconds);
}

void Progress::render_loop() {
  std::unique_lock<std::mutex> lock(m_mutex);
  while (!m_wake.wait_for(lock, m_interval, [this] { return m_stopping; })) {
    std::string status;
    for (const auto& t : m_tables) {
      if (!t.m_running) {
        continue;
      }
      if (m_terminal) {
        status += (status.empty() ? m_operation + ": " : " | ") + line_of(t);
      } else {
        spdlog::info("{}: {}", m_operation, line_of(t));
      }
    }
    if (m_terminal) {
      log::set_status_line(status);
    }
  }
}

} // namespace acme::obs

#include "acme/log/logging.hpp"

#include "acme/config/dsn.hpp"
#include "acme/error.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/daily_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace acme::log {
namespace {

// Set by setup(): the error that ends the process goes to the log (log_fatal).
bool g_errors_to_log = false; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

std::string timestamp(const spdlog::log_clock::time_point& tp) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch());
  const std::time_t secs = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms.count() % 1000);
}

// Text or JSON lines, with every configured secret replaced by "***"; text lines printable().
class RedactingFormatter final : public spdlog::formatter {
public:
  RedactingFormatter(bool json, std::vector<std::string> secrets)
      : m_json(json), m_secrets(std::move(secrets)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string text =
        config::redact(std::string(msg.payload.data(), msg.payload.size()), m_secrets);
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string lvl(level.data(), level.size());
    // A text line is printable whatever a message quotes from a database (application names,
    // transaction names, statuses, query text): it cannot forge lines or drive a terminal.
    std::string line = m_json
                           ? json_line(timestamp(msg.time), lvl, text)
                           : fmt::format("{} {:<5} {}", timestamp(msg.time), lvl, printable(text));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingFormatter>(m_json, m_secrets);
  }

private:
  bool m_json;
  std::vector<std::string> m_secrets;
};

// stderr on a terminal: log lines, and below them one status line (progress) that is rewritten
// in place. Each log line first clears the status line, then draws it again under itself, so
// the two never mix.
class StatusLineSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  void set_status(const std::string& text) {
    const std::lock_guard<std::mutex> lock(mutex_);
    m_status = fit_terminal(text);
    draw();
    std::fflush(stderr);
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    if (m_shown) {
      std::fputs("\r\033[K", stderr);
      m_shown = false;
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
    draw();
  }
  void flush_() override { std::fflush(stderr); }

private:
  // Cut to one column less than the terminal is wide: a wrapped line cannot be rewritten.
  static std::string fit_terminal(const std::string& text) {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && text.size() >= ws.ws_col) {
      return text.substr(0, static_cast<std::size_t>(ws.ws_col) - 1U);
    }
    return text;
  }
  void draw() {
    if (!m_status.empty()) {
      std::fprintf(stderr, "\r%s\033[K", m_status.c_str());
      m_shown = true;
    } else if (m_shown) {
      std::fputs("\r\033[K", stderr);
      m_shown = false;
    }
  }

  std::string m_status;
  bool m_shown = false; // a status line is on the screen
};

std::shared_ptr<StatusLineSink> status_sink() {
  const auto logger = spdlog::default_logger();
  if (!logger || logger->sinks().empty()) {
    return nullptr;
  }
  return std::dynamic_pointer_cast<StatusLineSink>(logger->sinks().front());
}

} // namespace

bool has_status_line() {
  return status_sink() != nullptr;
}

void set_status_line(const std::string& text) {
  if (const auto sink = status_sink()) {
    sink->set_status(text);
  }
}

std::string json_line(const std::string& ts, const std::string& level, const std::string& message) {
  nlohmann::json j;
  j["ts"] = ts;
  j["level"] = level;
  j["msg"] = message;
  j["pid"] = ::getpid();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void setup(const Options& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.format == "text" && ::isatty(STDERR_FILENO) == 1) {
    sinks.push_back(std::make_shared<StatusLineSink>());
  } else {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  if (!options.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
      throw UsageError(fmt::format("ACME_LOG_DIR (--log-dir): cannot create the log directory "
                                   "'{}': {}",
                                   options.dir, ec.message()));
    }
    const auto pattern = (std::filesystem::path(options.dir) / "%Y%m%d_acme.log").string();
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::daily_file_format_sink_mt>(pattern, 0, 0));
    } catch (const spdlog::spdlog_ex& e) {
      throw UsageError(fmt::format("ACME_LOG_DIR (--log-dir): cannot open a log file in '{}': {}",
                                   options.dir, e.what()));
    }
  }
  auto logger = std::make_shared<spdlog::logger>("acme", sinks.begin(), sinks.end());
  logger->set_formatter(
      std::make_unique<RedactingFormatter>(options.format == "json", options.secrets));
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  g_errors_to_log = options.format == "json" || !options.dir.empty();
}

bool log_fatal(const std::string& message) {
  if (!g_errors_to_log || !spdlog::default_logger()->should_log(spdlog::level::err)) {
    return false;
  }
  spdlog::error("{}", message);
  return true;
}

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
    if (u == '\n' && keep_newlines) {
      out += '\n';
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else if (u == 0xc2 && next >= 0x80 && next <= 0x9f) {
      // A C1 control in UTF-8 (U+0080..U+009F: CSI U+009B starts an escape sequence too).
      out += fmt::format("\\u{:04x}", next);
      ++i;
    } else {
      out += static_cast<char>(u);
    }
  }
  return out;
}

} // namespace acme::log

#include "acme/log/logging.hpp"

#include "acme/config/dsn.hpp"
#include "acme/error.hpp"

#include <filesystem>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/daily_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::log {
namespace {

std::string timestamp(const spdlog::log_clock::time_point& tp) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch());
  const std::time_t secs = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms.count() % 1000);
}

// Text or JSON lines, with every configured secret replaced by "***".
class RedactingFormatter final : public spdlog::formatter {
public:
  RedactingFormatter(bool json, std::vector<std::string> secrets)
      : m_json(json), m_secrets(std::move(secrets)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string text =
        config::redact(std::string(msg.payload.data(), msg.payload.size()), m_secrets);
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string lvl(level.data(), level.size());
    std::string line = m_json ? json_line(timestamp(msg.time), lvl, text)
                              : fmt::format("{} {:<5} {}", timestamp(msg.time), lvl, text);
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

} // namespace

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
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!options.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
      throw Fatal(fmt::format("cannot create log directory '{}': {}", options.dir, ec.message()));
    }
    const auto pattern = (std::filesystem::path(options.dir) / "%Y%m%d_acme.log").string();
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::daily_file_format_sink_mt>(pattern, 0, 0));
    } catch (const spdlog::spdlog_ex& e) {
      throw Fatal(fmt::format("cannot open a log file in '{}': {}", options.dir, e.what()));
    }
  }
  auto logger = std::make_shared<spdlog::logger>("acme", sinks.begin(), sinks.end());
  logger->set_formatter(
      std::make_unique<RedactingFormatter>(options.format == "json", options.secrets));
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

} // namespace acme::log

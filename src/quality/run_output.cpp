#include "acme/quality/run_output.hpp"

#include <cmath>
#include <fmt/format.h>

namespace acme::quality {
namespace {

std::string keys_text(const std::vector<std::int64_t>& keys) {
  std::string out;
  for (const auto k : keys) {
    out += (out.empty() ? "" : ",") + std::to_string(k);
  }
  return out.empty() ? "-" : out;
}

std::string rule_line(const RuleResult& r) {
  const std::string head =
      fmt::format("{:<28} {:<23} {:<8}", r.name, r.table, severity_name(r.severity));
  if (r.error) {
    return fmt::format("{} ERROR: {}\n", head, *r.error);
  }
  const std::string oldest =
      r.oldest_seconds && r.violating > 0 ? "  oldest " + format_age(*r.oldest_seconds) : "";
  return fmt::format("{} {:>10} {:>8.3f}%  keys {}{}  {}\n", head, r.violating, 100.0 * r.share,
                     keys_text(r.samples), oldest, r.description);
}

nlohmann::json rule_json(const RuleResult& r) {
  nlohmann::json j{
      {"name", r.name},     {"table", r.table},         {"severity", severity_name(r.severity)},
      {"custom", r.custom}, {"meaning", r.description}, {"total_rows", r.total}};
  if (r.error) {
    j["error"] = *r.error;
    return j;
  }
  j["violating_rows"] = r.violating;
  j["share"] = r.share;
  j["sample_keys"] = r.samples;
  j["oldest_seconds"] = r.oldest_seconds ? nlohmann::json(*r.oldest_seconds) : nullptr;
  return j;
}

} // namespace

std::string format_age(double seconds) {
  const long long s = std::llround(std::max(0.0, seconds));
  const long long days = s / 86400;
  const long long hours = (s % 86400) / 3600;
  const long long minutes = (s % 3600) / 60;
  if (days > 0) {
    return fmt::format("{}d {:02}h", days, hours);
  }
  if (hours > 0) {
    return fmt::format("{}h {:02}m", hours, minutes);
  }
  if (minutes > 0) {
    return fmt::format("{}m {:02}s", minutes, s % 60);
  }
  return fmt::format("{}s", s);
}

std::string to_text(const QualityRun& run) {
  std::string out = fmt::format("{:<28} {:<23} {:<8} {:>10} {:>9}  {}\n", "rule", "table",
                                "severity", "violating", "share", "sample keys, meaning");
  for (const auto& r : run.results) {
    out += rule_line(r);
  }
  out += "scores (0-100; severity weights critical 5, major 3, minor 1):\n";
  for (const auto& [table, score] : run.scores.tables) {
    out += fmt::format("  {:<26} {:>6.2f}\n", table, score);
  }
  out += run.scores.overall ? fmt::format("  {:<26} {:>6.2f}\n", "overall", *run.scores.overall)
                            : fmt::format("  {:<26} {:>6}\n", "overall", "-");
  if (run.run_id) {
    const auto& sync = run.snapshot.value("sync_run_id", nlohmann::json());
    out += fmt::format("recorded as quality run #{} (snapshot taken {}{})\n", *run.run_id,
                       run.started_at,
                       sync.is_number() ? fmt::format(", after sync run #{}", sync.get<long long>())
                                        : std::string());
  }
  return out;
}

nlohmann::json to_json(const QualityRun& run) {
  nlohmann::json rules = nlohmann::json::array();
  int failed = 0;
  for (const auto& r : run.results) {
    rules.push_back(rule_json(r));
    failed += r.error ? 1 : 0;
  }
  return {{"run_id", run.run_id ? nlohmann::json(*run.run_id) : nullptr},
          {"started_at", run.started_at},
          {"finished_at",
           run.finished_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.finished_at)},
          {"score", run.scores.overall ? nlohmann::json(*run.scores.overall) : nullptr},
          {"table_scores", run.scores.tables},
          {"rules_failed", failed},
          {"rules", rules},
          {"snapshot", run.snapshot},
          {"settings", nlohmann::json::parse(run.settings_json)}};
}

} // namespace acme::quality

#include "acme/quality/findings_output.hpp"

#include <fmt/format.h>

namespace acme::quality {
namespace {

std::string or_dash(const std::optional<std::string>& v) {
  return v ? *v : std::string("-");
}

std::string series_lines(const Series& s) {
  std::string out;
  int flagged = 0;
  for (const auto& p : s.points) {
    if (!p.score || !p.score->flagged) {
      continue;
    }
    ++flagged;
    out += fmt::format("  {:<16} {}  {} against a median of {:.4g} ({})\n", s.name, p.day,
                       or_dash(p.value), p.score->median,
                       p.score->z ? fmt::format("z {:.1f}", *p.score->z)
                                  : std::string(to_string(p.score->scale)));
  }
  if (flagged == 0) {
    out += fmt::format("  {:<16} no day flagged\n", s.name);
  }
  return out;
}

std::string stuck_line(const StuckStatus& s) {
  const std::string status = s.status ? *s.status : std::string("(NULL)");
  if (!s.limit_hours) {
    return fmt::format("  {:<16} {} open, not judged ({} completed intervals, too few)\n", status,
                       s.open, s.completed);
  }
  std::string ids;
  for (const auto id : s.sample_order_ids) {
    ids += (ids.empty() ? "" : ",") + std::to_string(id);
  }
  return fmt::format("  {:<16} {} of {} open orders stuck (longer than {:.1f} h; usual {:.1f} h)"
                     "{}{}\n",
                     status, s.stuck, s.open, *s.limit_hours, s.median_hours,
                     s.oldest_hours ? fmt::format(", oldest {:.1f} h", *s.oldest_hours) : "",
                     ids.empty() ? "" : ", orders " + ids);
}

} // namespace

std::string profile_text(const ProfileResult& profile) {
  std::string out = "profile: table, column, type, null share, distinct, min, max, top values\n";
  for (const auto& c : profile.columns) {
    std::string top;
    for (const auto& t : c.top_values) {
      top += fmt::format("{}{} ({})", top.empty() ? "" : ", ", t.value, t.count);
    }
    out += fmt::format("  {:<23} {:<17} {:<12} {:>7.3f}% {:>9} {:<9} {} .. {}  {}\n", c.table,
                       c.column, c.type, 100.0 * c.null_share,
                       c.distinct ? std::to_string(*c.distinct) : std::string("-"),
                       c.distinct_method, or_dash(c.min), or_dash(c.max), top);
  }
  return out;
}

std::string findings_text(const AnomalyResult& anomalies, const StuckResult& stuck) {
  std::string out =
      fmt::format("anomalies {} .. {} (each day against the {} days before it, robust z > {}):\n",
                  anomalies.from, anomalies.to, anomalies.window, anomalies.threshold);
  for (const auto& s : anomalies.series) {
    out += series_lines(s);
  }
  out += fmt::format("stuck orders as of {}:\n", stuck.as_of);
  for (const auto& s : stuck.statuses) {
    out += stuck_line(s);
  }
  return out;
}

} // namespace acme::quality

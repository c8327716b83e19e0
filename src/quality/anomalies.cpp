#include "acme/quality/anomalies.hpp"

#include "acme/db/connection.hpp"
#include "acme/quality/profile.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>

namespace acme::quality {
namespace {

// 1 / Phi^-1(3/4): MAD * k_mad_sigma estimates a normal standard deviation (0.6745 = 1 / 1.4826).
constexpr double k_mad_sigma = 1.482602;
// sqrt(pi / 2): the mean absolute deviation times it estimates a normal standard deviation.
constexpr double k_mean_ad_sigma = 1.253314;

// The series' names and units, in the column order of anomaly_series.sql.
struct SeriesSpec {
  const char* name;
  const char* unit;
};
constexpr SeriesSpec k_series[] = {
    {"new_orders", "orders with that order_date"},
    {"cancellations", "orders entering the cancelled status"},
    {"items_per_order", "mean total_items of the day's orders"},
    {"order_amount", "mean total_amount of the day's orders"},
};

std::optional<std::string> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(f.as<std::string>());
}

std::optional<double> as_number(const std::optional<std::string>& v) {
  return v ? std::optional<double>(std::stod(*v)) : std::nullopt;
}

// A stuck-orders query of `schema`, with the open orders' current intervals spliced in.
std::string stuck_sql(std::string_view sql, const std::string& schema) {
  return db::render(
      sql, {{"schema", db::quote_ident(schema)}, {"open_intervals", open_intervals_sql(schema)}});
}

// A query parameter: NULL when empty (the view lives as long as `v`).
const char* or_null(const std::optional<std::string>& v) {
  return v ? v->c_str() : nullptr;
}

struct Range {
  std::string first;
  std::string last;
  std::string baseline;
};

Range scored_range(pqxx::transaction_base& tx, const AnomalyOptions& o) {
  const auto r = tx.exec_params1(std::string(sql::quality_anomaly_range), or_null(o.from),
                                 or_null(o.to), o.window);
  return {r["first_day"].as<std::string>(), r["last_day"].as<std::string>(),
          r["baseline_day"].as<std::string>()};
}

void score(Series& s, std::size_t first, const AnomalyOptions& o) {
  std::vector<std::optional<double>> values;
  for (const auto& p : s.points) {
    values.push_back(as_number(p.value));
  }
  const auto scores = score_series(values, first, static_cast<std::size_t>(o.window), o.rule);
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    s.points[i].score = scores[i];
  }
}

std::vector<std::int64_t> split_ids(const std::optional<std::string>& text) {
  std::vector<std::int64_t> ids;
  if (!text) {
    return ids;
  }
  std::istringstream in(*text);
  for (std::string id; std::getline(in, id, ',');) {
    ids.push_back(std::stoll(id));
  }
  return ids;
}

StuckStatus baseline_status(const pqxx::row& r, const AnomalyOptions& o) {
  StuckStatus s;
  s.status = opt(r["status"]);
  s.completed = r["n"].as<std::int64_t>();
  const Spread sp{r["med"].as<double>(), r["mad"].as<double>(), r["mean_ad"].as<double>()};
  s.median_hours = sp.median / 3600.0;
  s.mad_hours = sp.mad / 3600.0;
  if (s.completed >= o.min_completed) {
    s.limit_hours = robust_limit(sp, o.rule) / 3600.0;
  }
  return s;
}

StuckStatus& entry(std::vector<StuckStatus>& all, const std::optional<std::string>& status) {
  for (auto& s : all) {
    if (s.status == status) {
      return s;
    }
  }
  all.push_back({});
  all.back().status = status;
  return all.back();
}

nlohmann::ordered_json number_or_null(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json point_json(const SeriesPoint& p) {
  nlohmann::ordered_json j{{"day", p.day},
                           {"value", p.value ? nlohmann::ordered_json(*p.value) : nullptr}};
  if (p.score) {
    j["median"] = p.score->median;
    j["mad"] = p.score->mad;
    j["z"] = number_or_null(p.score->z);
    j["scale"] = to_string(p.score->scale);
    j["baseline_days"] = p.score->baseline_values;
    j["flagged"] = p.score->flagged;
  }
  return j;
}

} // namespace

const char* to_string(Scale scale) {
  switch (scale) {
  case Scale::mad:
    return "mad";
  case Scale::mean_ad:
    return "mean_ad";
  case Scale::constant:
    return "constant";
  case Scale::short_baseline:
    return "short_baseline";
  }
  return "short_baseline";
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  const auto mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) {
    return upper;
  }
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

Spread spread(const std::vector<double>& values) {
  Spread s;
  if (values.empty()) {
    return s;
  }
  s.median = median(values);
  std::vector<double> dev;
  double sum = 0;
  for (const double v : values) {
    dev.push_back(std::fabs(v - s.median));
    sum += dev.back();
  }
  s.mad = median(dev);
  s.mean_ad = sum / static_cast<double>(values.size());
  return s;
}

RobustScore robust_score(double x, const std::vector<double>& baseline, const ScoreRule& rule) {
  RobustScore r;
  r.baseline_values = baseline.size();
  const auto s = spread(baseline);
  r.median = s.median;
  r.mad = s.mad;
  if (baseline.empty() || baseline.size() < rule.min_baseline) {
    r.scale = Scale::short_baseline;
    return r;
  }
  const bool changed = std::fabs(x - s.median) > rule.min_change * std::fabs(s.median);
  if (s.mad > 0) {
    r.scale = Scale::mad;
    r.z = 0.6745 * (x - s.median) / s.mad;
  } else if (s.mean_ad > 0) {
    r.scale = Scale::mean_ad;
    r.z = (x - s.median) / (k_mean_ad_sigma * s.mean_ad);
  } else {
    r.scale = Scale::constant;
    r.flagged = changed && x != s.median;
    return r;
  }
  r.flagged = changed && std::fabs(*r.z) > rule.threshold;
  return r;
}

std::vector<std::optional<RobustScore>>
score_series(const std::vector<std::optional<double>>& values, std::size_t first,
             std::size_t window, const ScoreRule& rule) {
  std::vector<std::optional<RobustScore>> out(values.size());
  for (std::size_t i = first; i < values.size(); ++i) {
    if (!values[i]) {
      continue;
    }
    std::vector<double> baseline;
    for (std::size_t j = i > window ? i - window : 0; j < i; ++j) {
      if (values[j]) {
        baseline.push_back(*values[j]);
      }
    }
    out[i] = robust_score(*values[i], baseline, rule);
  }
  return out;
}

double robust_limit(const Spread& s, const ScoreRule& rule) {
  // Constant baseline (both deviations 0): the median itself.
  const double sigma = s.mad > 0 ? k_mad_sigma * s.mad : k_mean_ad_sigma * s.mean_ad;
  return std::max(s.median + rule.threshold * sigma,
                  s.median + rule.min_change * std::fabs(s.median));
}

std::vector<std::string> Series::flagged_days() const {
  std::vector<std::string> days;
  for (const auto& p : points) {
    if (p.score && p.score->flagged) {
      days.push_back(p.day);
    }
  }
  return days;
}

AnomalyResult anomalies(pqxx::transaction_base& tx, const std::string& schema,
                        const AnomalyOptions& options) {
  require_snapshot(tx);
  const auto range = scored_range(tx, options);
  AnomalyResult result{range.first, range.last, options.window, options.rule.threshold, {}};
  for (const auto& spec : k_series) {
    result.series.push_back({spec.name, spec.unit, {}});
  }
  std::size_t first = 0;
  for (const auto& r : tx.exec_params(db::with_schema(sql::quality_anomaly_series, schema),
                                      range.baseline, range.last, options.cancelled_status)) {
    const auto day = r["day"].as<std::string>();
    first += day < range.first ? std::size_t{1} : std::size_t{0};
    for (std::size_t i = 0; i < result.series.size(); ++i) {
      result.series[i].points.push_back(
          {day, opt(r[static_cast<pqxx::row::size_type>(i + 1)]), {}});
    }
  }
  for (auto& s : result.series) {
    score(s, first, options);
  }
  return result;
}

StuckResult stuck_orders(pqxx::transaction_base& tx, const std::string& schema,
                         const AnomalyOptions& options) {
  require_snapshot(tx);
  StuckResult result;
  auto limits = nlohmann::json::array();
  for (const auto& r : tx.exec_params(stuck_sql(sql::quality_anomaly_stuck_baseline, schema),
                                      or_null(options.as_of), options.stuck_days)) {
    result.as_of = r["now_ts"].is_null() ? "" : r["now_ts"].as<std::string>();
    if (r["n"].as<std::int64_t>() == 0) {
      continue;
    }
    result.statuses.push_back(baseline_status(r, options));
    const auto& s = result.statuses.back();
    if (s.limit_hours) {
      limits.push_back({{"status", s.status ? nlohmann::json(*s.status) : nlohmann::json(nullptr)},
                        {"secs", *s.limit_hours * 3600.0}});
    }
  }
  if (result.as_of.empty()) {
    return result; // no history at all
  }
  for (const auto& r :
       tx.exec_params(stuck_sql(sql::quality_anomaly_stuck_orders, schema), result.as_of,
                      limits.dump(), static_cast<long long>(options.sample_orders))) {
    auto& s = entry(result.statuses, opt(r["status"]));
    s.open = r["open"].as<std::int64_t>();
    s.stuck = r["stuck"].as<std::int64_t>();
    s.oldest_hours = r["oldest"].is_null()
                         ? std::nullopt
                         : std::optional<double>(r["oldest"].as<double>() / 3600.0);
    s.sample_order_ids = split_ids(opt(r["samples"]));
  }
  return result;
}

nlohmann::ordered_json to_json(const AnomalyResult& result) {
  nlohmann::ordered_json j{{"from", result.from},
                           {"to", result.to},
                           {"window", result.window},
                           {"threshold", result.threshold},
                           {"series", nlohmann::ordered_json::array()}};
  for (const auto& s : result.series) {
    auto points = nlohmann::ordered_json::array();
    for (const auto& p : s.points) {
      points.push_back(point_json(p));
    }
    j["series"].push_back({{"name", s.name},
                           {"unit", s.unit},
                           {"flagged_days", s.flagged_days()},
                           {"points", points}});
  }
  return j;
}

nlohmann::ordered_json to_json(const StuckResult& result) {
  nlohmann::ordered_json j{{"as_of", result.as_of}, {"statuses", nlohmann::ordered_json::array()}};
  for (const auto& s : result.statuses) {
    j["statuses"].push_back({{"status", s.status ? nlohmann::ordered_json(*s.status) : nullptr},
                             {"completed", s.completed},
                             {"median_hours", s.median_hours},
                             {"mad_hours", s.mad_hours},
                             {"limit_hours", number_or_null(s.limit_hours)},
                             {"open", s.open},
                             {"stuck", s.stuck},
                             {"oldest_hours", number_or_null(s.oldest_hours)},
                             {"sample_order_ids", s.sample_order_ids}});
  }
  return j;
}

std::string open_intervals_sql(std::string_view schema) {
  return db::with_schema(sql::quality_open_intervals, schema);
}

} // namespace acme::quality

#include "acme/report/html_report.hpp"

#include "acme/version.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace acme::report {
namespace {

constexpr std::size_t k_all = static_cast<std::size_t>(-1);
constexpr std::size_t k_top_products = 20;
constexpr std::size_t k_chart_dates = 180; // columns thinner than 6 px are unreadable
constexpr double k_stale_seconds = 24 * 3600.0;

using Row = std::vector<std::optional<std::string>>;

const std::optional<std::string>& cell(const Row& row, std::size_t i) {
  static const std::optional<std::string> k_null;
  return i < row.size() ? row[i] : k_null;
}

// A number PostgreSQL printed ("1234.50"); NULL or garbage counts as 0.
double number(const std::optional<std::string>& text) {
  if (!text) {
    return 0;
  }
  double v = 0;
  const auto* first = text->data();
  const auto* last = first + text->size();
  const auto [end, ec] = std::from_chars(first, last, v);
  return ec == std::errc() && end == last ? v : 0.0;
}

std::string or_text(const std::optional<std::string>& text, std::string_view fallback) {
  return text ? *text : std::string(fallback);
}

// A name for a bar: the name, or the id when there is none.
std::string label(const std::optional<std::string>& name, const std::optional<std::string>& id,
                  std::string_view what) {
  if (name && !name->empty()) {
    return *name;
  }
  return id ? fmt::format("({} #{})", what, *id) : fmt::format("(no {})", what);
}

HtmlTable table(std::vector<std::string> headers, std::vector<bool> numeric, const ReportRows& r,
                std::vector<std::string> null_text = {}) {
  HtmlTable t;
  t.headers = std::move(headers);
  t.numeric = std::move(numeric);
  t.null_text = std::move(null_text);
  t.rows = r.rows;
  return t;
}

BarChart horizontal_chart(std::string id, std::string title, std::string category_axis,
                          std::string value_axis) {
  BarChart c;
  c.id = std::move(id);
  c.title = std::move(title);
  c.category_axis = std::move(category_axis);
  c.value_axis = std::move(value_axis);
  c.orientation = Orientation::horizontal;
  return c;
}

HtmlSection open_orders_section(const ReportRows& r) {
  HtmlSection s;
  s.id = "open-orders";
  s.title = "Open orders by delivery date and status";
  s.description = "Orders not in a closed status, per delivery date (earliest first), stacked by "
                  "status; orders without a delivery date last.";
  s.empty_message = "No open orders in this snapshot.";

  // Statuses as the report sorts them: byte order, NULL last.
  std::vector<std::optional<std::string>> statuses;
  for (const auto& row : r.rows) {
    if (std::find(statuses.begin(), statuses.end(), cell(row, 1)) == statuses.end()) {
      statuses.push_back(cell(row, 1));
    }
  }
  std::sort(statuses.begin(), statuses.end(), [](const auto& a, const auto& b) {
    return a && b ? *a < *b : a.has_value() && !b.has_value();
  });

  BarChart c;
  c.id = "open-orders-chart";
  c.title = "Open orders by delivery date, stacked by status";
  c.category_axis = "Delivery date";
  c.value_axis = "Open orders";
  c.orientation = Orientation::vertical;
  for (const auto& st : statuses) {
    c.series.push_back(or_text(st, "(no status)"));
  }
  std::map<std::optional<std::string>, std::size_t> date_index;
  std::size_t dates = 0;
  for (const auto& row : r.rows) {
    const auto& date = cell(row, 0);
    auto it = date_index.find(date);
    if (it == date_index.end()) {
      ++dates;
      if (c.categories.size() >= k_chart_dates) {
        continue;
      }
      it = date_index.emplace(date, c.categories.size()).first;
      c.categories.push_back(or_text(date, "(no date)"));
      c.values.emplace_back(statuses.size(), 0.0);
    }
    const auto series = static_cast<std::size_t>(
        std::find(statuses.begin(), statuses.end(), cell(row, 1)) - statuses.begin());
    c.values[it->second][series] += number(cell(row, 2));
  }
  if (dates > k_chart_dates) {
    s.note = fmt::format("The chart shows the {} earliest of {} delivery dates; the table lists "
                         "them all.",
                         k_chart_dates, dates);
  }
  s.chart = std::move(c);
  s.table = table({"Delivery date", "Status", "Orders", "Total amount"}, {false, false, true, true},
                  r, {"(no date)", "(no status)"});
  return s;
}

HtmlSection top_dates_section(const ReportRows& r) {
  HtmlSection s;
  s.id = "top-dates";
  s.title = "Busiest delivery dates";
  s.description = "The delivery dates with the most open orders; ties go to the earlier date.";
  s.empty_message = "No open orders with a delivery date in this snapshot.";
  BarChart c = horizontal_chart("top-dates-chart", "Open orders on the busiest delivery dates",
                                "Delivery date", "Open orders");
  c.series = {"Open orders"};
  for (const auto& row : r.rows) {
    c.categories.push_back(or_text(cell(row, 0), "(no date)"));
    c.values.push_back({number(cell(row, 1))});
  }
  s.chart = std::move(c);
  s.table = table({"Delivery date", "Open orders", "Unique customers"}, {false, true, true}, r);
  return s;
}

HtmlSection pending_items_section(const ReportRows& r) {
  HtmlSection s;
  s.id = "pending-items";
  s.title = "Pending items by product";
  s.description = fmt::format("Items of PENDING orders by product, the {} with the most items.",
                              k_top_products);
  s.empty_message = "No pending items in this snapshot.";
  BarChart c = horizontal_chart("pending-items-chart",
                                fmt::format("Pending items, top {} products", k_top_products),
                                "Product", "Pending items");
  c.series = {"Pending items"};
  for (const auto& row : r.rows) {
    c.categories.push_back(label(cell(row, 1), cell(row, 0), "product"));
    c.values.push_back({number(cell(row, 2))});
  }
  if (r.total > static_cast<std::int64_t>(r.rows.size())) {
    s.note = fmt::format("Top {} of {} products; pending_items_by_product.csv lists them all.",
                         r.rows.size(), r.total);
  }
  s.chart = std::move(c);
  s.table = table({"Product id", "Product", "Pending items", "Pending amount"},
                  {true, false, true, true}, r, {"(no product)", "(no name)"});
  return s;
}

HtmlSection top_customers_section(const ReportRows& r) {
  HtmlSection s;
  s.id = "top-customers";
  s.title = "Customers with the most pending orders";
  s.description = "Ties go to the lower customer id.";
  s.empty_message = "No customer has a pending order in this snapshot.";
  BarChart c = horizontal_chart("top-customers-chart", "Pending orders, top customers", "Customer",
                                "Pending orders");
  c.series = {"Pending orders"};
  for (const auto& row : r.rows) {
    c.categories.push_back(label(cell(row, 1), cell(row, 0), "customer"));
    c.values.push_back({number(cell(row, 2))});
  }
  s.chart = std::move(c);
  s.table = table({"Customer id", "Customer", "Pending orders", "Pending amount"},
                  {true, false, true, true}, r, {"", "(no name)"});
  return s;
}

HtmlSection status_durations_section(const ReportRows& r) {
  HtmlSection s;
  s.id = "status-durations";
  s.title = "Time in status";
  s.description = "Per status, the intervals of the order status history that ended within the "
                  "export's window (--days, default 30; manifest.json records it): their count, "
                  "distinct orders and duration in hours; then the intervals still open, with the "
                  "90th percentile of their age. The chart shows the median hours of the ended "
                  "intervals.";
  s.empty_message = "No status history in this snapshot.";
  BarChart c = horizontal_chart("status-durations-chart",
                                "Median hours in status (ended intervals)", "Status", "Hours");
  c.series = {"Median hours"};
  for (const auto& row : r.rows) {
    c.categories.push_back(or_text(cell(row, 0), "(no status)"));
    c.values.push_back({number(cell(row, 4))});
  }
  s.chart = std::move(c);
  s.table = table({"Status", "Ended intervals", "Orders", "Avg h", "p50 h", "p90 h", "Max h",
                   "Open intervals", "Open p90 h"},
                  {false, true, true, true, true, true, true, true, true}, r, {"(no status)"});
  return s;
}

// The newest recorded quality run's rules (data_quality.csv's rows): the run and its score in the
// description, the share of each table's rows that each rule finds as a chart, the rules as a
// table.
HtmlSection quality_section(const ReportRows& r) {
  HtmlSection s;
  s.id = "quality";
  s.title = "Data quality";
  s.empty_message = "No quality run recorded yet: run acme quality (from cron or a timer) before "
                    "exporting, and its rules and score show here.";
  if (r.rows.empty()) {
    s.description = "The rules of the newest acme quality run.";
    return s;
  }
  const auto& first = r.rows.front();
  s.description = fmt::format(
      "Score {} of 100 in the newest acme quality run (run {}, finished {}). Each rule counts "
      "the rows of one table that break it; the score weighs the shares by severity "
      "(docs/quality.md).",
      or_text(cell(first, 2), "unknown (no rule could be evaluated)"), or_text(cell(first, 0), "?"),
      or_text(cell(first, 1), "?"));
  BarChart c = horizontal_chart("quality-chart", "Share of the table's rows that break each rule",
                                "Rule", "% of rows");
  c.series = {"% of rows"};
  c.decimals = 2;
  ReportRows shown;
  std::size_t failed = 0;
  for (const auto& row : r.rows) {
    const double share = number(cell(row, 8)) * 100.0;
    if (number(cell(row, 6)) > 0) {
      c.categories.push_back(or_text(cell(row, 3), "(no name)"));
      c.values.push_back({share});
    }
    if (cell(row, 11)) {
      ++failed;
    }
    shown.rows.push_back({cell(row, 3), cell(row, 4), cell(row, 5), cell(row, 6), cell(row, 7),
                          fmt::format("{:.2f}", share), cell(row, 9), cell(row, 11)});
  }
  if (failed > 0) {
    s.note = fmt::format("{} rule(s) could not be evaluated (see the Error column): they are left "
                         "out of the score.",
                         failed);
  }
  s.chart = std::move(c);
  s.table = table(
      {"Rule", "Table", "Severity", "Violating rows", "Rows", "% of rows", "Sample keys", "Error"},
      {false, false, false, true, true, true, false, false}, shown,
      {"", "", "", "(not evaluated)", "", "", "", ""});
  return s;
}

// What a daily series counts, for its chart.
struct SeriesText {
  std::string_view name;
  std::string_view title;
  std::string_view axis;
  int decimals;
};

constexpr SeriesText k_series_text[] = {
    {"new_orders", "New orders per day", "Orders", 0},
    {"cancellations", "Cancellations per day", "Cancellations", 0},
    {"items_per_order", "Items per new order (mean)", "Items", 2},
    {"order_amount", "Amount per new order (mean)", "Amount", 2},
};

// One series' chart over the scored days, from `from` on (YYYY-MM-DD compares as text).
BarChart series_chart(const quality::Series& series, const std::string& from) {
  SeriesText text{series.name, series.name, series.unit, 2};
  for (const auto& t : k_series_text) {
    if (t.name == series.name) {
      text = t;
    }
  }
  BarChart c;
  c.id = "anomaly-" + series.name;
  c.title = std::string(text.title);
  c.category_axis = "Day";
  c.value_axis = std::string(text.axis);
  c.orientation = Orientation::vertical;
  c.decimals = text.decimals;
  c.series = {"Within its baseline", "Flagged"};
  for (const auto& p : series.points) {
    if (p.day < from) {
      continue; // the first scored day's baseline
    }
    const double v = number(p.value);
    const bool flagged = p.score && p.score->flagged;
    c.categories.push_back(p.day);
    c.values.push_back({flagged ? 0.0 : v, flagged ? v : 0.0});
  }
  return c;
}

} // namespace

HtmlSection anomalies_section(const quality::AnomalyResult& result) {
  HtmlSection s;
  s.id = "anomalies";
  s.title = "Anomalies in the daily series";
  s.description = fmt::format(
      "Each day from {} to {} against the {} days before it: a day is flagged when its robust "
      "z-score (median and MAD of the baseline) is beyond {} and it differs from the median by "
      "more than 10% (docs/quality.md). Flagged days are drawn in the second colour.",
      result.from, result.to, result.window, format_number(result.threshold, 1));
  s.empty_message =
      fmt::format("No day from {} to {} is outside its baseline.", result.from, result.to);
  ReportRows flagged;
  for (const auto& series : result.series) {
    BarChart chart = series_chart(series, result.from);
    const bool drawn = std::any_of(chart.values.begin(), chart.values.end(),
                                   [](const auto& v) { return v[0] + v[1] != 0; });
    if (drawn) { // a series that is 0 every day (no orders, no history) says nothing
      s.series_charts.push_back(std::move(chart));
    }
    for (const auto& p : series.points) {
      if (p.score && p.score->flagged) {
        flagged.rows.push_back({series.name, p.day, p.value, format_number(p.score->median, 2),
                                p.score->z
                                    ? std::optional<std::string>(format_number(*p.score->z, 2))
                                    : std::nullopt});
      }
    }
  }
  if (s.series_charts.empty()) {
    s.empty_message =
        fmt::format("No new orders and no status changes from {} to {}: nothing to score.",
                    result.from, result.to);
  }
  s.table =
      table({"Series", "Day", "Value", "Baseline median", "Robust z"},
            {false, false, true, true, true}, flagged, {"", "", "", "", "(constant baseline)"});
  return s;
}

namespace {

// "2024-06-01T10:01:02.000000Z" -> "2024-06-01 10:01:02 UTC".
std::string display_time(const std::string& iso) {
  if (iso.size() < 19) {
    return iso;
  }
  std::string out = iso.substr(0, 19);
  out[10] = ' ';
  return out + " UTC";
}

std::string json_text(const nlohmann::ordered_json& j, std::string_view key) {
  if (!j.is_object() || !j.contains(key) || j[std::string(key)].is_null()) {
    return {};
  }
  const auto& v = j[std::string(key)];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

const std::vector<HtmlSectionSpec>& html_sections() {
  static const std::vector<HtmlSectionSpec> sections{
      {"open-orders", k_all, open_orders_section},
      {"top-dates", k_all, top_dates_section},
      {"pending-items", k_top_products, pending_items_section},
      {"top-customers", k_all, top_customers_section},
      {"status-durations", k_all, status_durations_section},
      {"quality", k_all, quality_section},
  };
  return sections;
}

const HtmlSectionSpec* find_html_section(std::string_view name) {
  for (const auto& s : html_sections()) {
    if (s.report == name) {
      return &s;
    }
  }
  return nullptr;
}

std::optional<double> parse_utc_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.f...]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z') {
    return std::nullopt;
  }
  auto field = [&](std::size_t pos, std::size_t len, int& out) {
    const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return ec == std::errc() && end == text.data() + pos + len;
  };
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (!field(0, 4, y) || !field(5, 2, mo) || !field(8, 2, d) || !field(11, 2, h) ||
      !field(14, 2, mi) || !field(17, 2, s) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || s > 60) {
    return std::nullopt;
  }
  double fraction = 0;
  const std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 ||
        rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    const std::string digits = "0" + std::string(rest);
    std::from_chars(digits.data(), digits.data() + digits.size(), fraction);
  }
  const auto days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return static_cast<double>(days * 86400 + std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + s) +
         fraction;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) {
    return "unknown";
  }
  if (seconds < 0) {
    return "0 s"; // clocks: the sync's finish and the snapshot come from the same server
  }
  const auto total = static_cast<std::int64_t>(std::floor(seconds));
  const auto d = total / 86400;
  const auto h = total % 86400 / 3600;
  const auto m = total % 3600 / 60;
  const auto s = total % 60;
  if (d > 0) {
    return fmt::format("{} d {} h", d, h);
  }
  if (h > 0) {
    return fmt::format("{} h {:02} min", h, m);
  }
  if (m > 0) {
    return fmt::format("{} min {} s", m, s);
  }
  return fmt::format("{} s", s);
}

HtmlBanner freshness_banner(const SnapshotInfo& snapshot) {
  HtmlBanner b;
  const auto& sync = snapshot.sync_state;
  const std::string last = json_text(sync, "last_successful_sync_at");
  const std::string generated = display_time(snapshot.generated_at);
  if (last.empty()) {
    b.warning = true;
    b.headline = "This target has never been synced successfully: the reports below are empty "
                 "or incomplete.";
    b.facts = {{"Last successful sync", "never"},
               {"Report snapshot", generated},
               {"Target schema", snapshot.target_schema}};
    return b;
  }
  const auto from = parse_utc_timestamp(last);
  const auto to = parse_utc_timestamp(snapshot.generated_at);
  const std::optional<double> lag =
      from && to ? std::optional<double>(*to - *from) : std::optional<double>();
  const std::string lag_text = lag ? format_duration(*lag) : "unknown";
  b.warning = lag && *lag > k_stale_seconds;
  b.headline = fmt::format("Data as of the last successful sync, {} ({} before this report)",
                           display_time(last), lag_text);
  const auto run = sync.is_object() && sync.contains("last_successful_run")
                       ? sync["last_successful_run"]
                       : nlohmann::ordered_json();
  std::string mode = json_text(run, "mode");
  const std::string run_id = json_text(run, "run_id");
  if (mode.empty()) {
    mode = "unknown";
  }
  if (!run_id.empty()) {
    mode += fmt::format(" (run {})", run_id);
  }
  b.facts = {{"Last successful sync", display_time(last)},
             {"Lag", lag_text + " between that sync and this report's snapshot"},
             {"Mode", mode},
             {"Report snapshot", generated},
             {"Target schema", snapshot.target_schema}};
  return b;
}

std::string render_html_report(const SnapshotInfo& snapshot,
                               const std::map<std::string, ReportRows, std::less<>>& data) {
  HtmlDocument doc("ACME orders — reports");
  doc.set_banner(freshness_banner(snapshot));
  const ReportRows none;
  for (const auto& spec : html_sections()) {
    const auto it = data.find(spec.report);
    doc.add_section(spec.build(it == data.end() ? none : it->second));
  }
  if (snapshot.anomalies) {
    doc.add_section(anomalies_section(*snapshot.anomalies));
  }
  doc.set_footer(fmt::format("Generated by acme {} from one REPEATABLE READ snapshot of the "
                             "target at {}. The CSV files next to this page hold the same data.",
                             version(), display_time(snapshot.generated_at)));
  return doc.str();
}

} // namespace acme::report

// Anomalies in the target's orders data: daily series (new orders, cancellations, items per order,
// order amount) scored against their trailing baseline with a robust z-score (median and MAD), and
// orders stuck in a status far longer than that status's completed intervals usually last. The
// robust statistics are pure functions; anomalies() and stuck_orders() read one snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <string_view>
#include <vector>

namespace acme::quality {

// How a value's deviation from its baseline was scaled.
enum class Scale {
  mad,            // z = 0.6745 * (x - median) / MAD
  mean_ad,        // MAD = 0: z = (x - median) / (1.253314 * mean absolute deviation)
  constant,       // every baseline value equal: no z; flagged when x differs enough from it
  short_baseline, // fewer baseline values than required: no z, never flagged
};

// "mad", "mean_ad", "constant" or "short_baseline".
const char* to_string(Scale scale);

// The median of `values` (the mean of the middle two for an even count); 0 for none.
double median(std::vector<double> values);

// The spread of a baseline around its median.
struct Spread {
  double median = 0;
  double mad = 0;     // median absolute deviation from the median
  double mean_ad = 0; // mean absolute deviation from the median
};

// The median, MAD and mean absolute deviation of `values` (all 0 for none).
Spread spread(const std::vector<double>& values);

// A value scored against its baseline.
struct RobustScore {
  std::size_t baseline_values = 0; // baseline values that were known
  double median = 0;               // of the baseline
  double mad = 0;                  // of the baseline
  std::optional<double> z;         // robust z-score; empty for constant and short baselines
  bool flagged = false;
  Scale scale = Scale::short_baseline;
};

// When a value is an anomaly.
struct ScoreRule {
  double threshold = 3.5;       // |robust z| above it flags a value
  std::size_t min_baseline = 7; // fewer known baseline values: never flagged
  // ... and only when it differs from the baseline median by more than this share of it: a very
  // regular series (a MAD of 0.5 orders a day) would otherwise flag a difference of 2 orders.
  double min_change = 0.10;
};

// Scores `x` against `baseline`: flagged when |z| > threshold and |x - median| > min_change *
// |median|; with fewer than `min_baseline` values never; a constant baseline flags any value
// different enough from it (there is no z).
RobustScore robust_score(double x, const std::vector<double>& baseline, const ScoreRule& rule = {});

// Scores each known value of `values` (one per consecutive day; empty: unknown) from index
// `first` on against the known values of the `window` entries before it.
std::vector<std::optional<RobustScore>>
score_series(const std::vector<std::optional<double>>& values, std::size_t first,
             std::size_t window, const ScoreRule& rule = {});

// The smallest value flagged as too high against `s`: the robust z-score reaches the threshold,
// and the value exceeds the median by min_change of it (a constant baseline: its median,
// exceeded by anything longer than the min_change).
double robust_limit(const Spread& s, const ScoreRule& rule = {});

// What anomalies() and stuck_orders() look at.
struct AnomalyOptions {
  std::optional<std::string> to;              // last day scored (YYYY-MM-DD); default: yesterday
  std::optional<std::string> from;            // first day scored; default: `to` - 59 days
  int window = 28;                            // baseline: the `window` days before each day
  ScoreRule rule;                             // when a day or an order's age is flagged
  std::string cancelled_status = "CANCELLED"; // status whose intervals count as cancellations
  int stuck_days = 28;                        // completed intervals that ended in these days
  int min_completed = 10;                     // fewer completed intervals: status not judged
  std::size_t sample_orders = 10;             // order ids listed per status
  std::optional<std::string> as_of; // "now" for stuck orders; default: the history's newest time
};

// One day of one series.
struct SeriesPoint {
  std::string day;                  // YYYY-MM-DD
  std::optional<std::string> value; // exact, as PostgreSQL printed it; empty: no orders that day
  std::optional<RobustScore> score; // empty before `from` and for days without a value
};

// One daily series over [from - window, to].
struct Series {
  std::string name; // new_orders | cancellations | items_per_order | order_amount
  std::string unit; // what a value is
  std::vector<SeriesPoint> points;
  std::vector<std::string> flagged_days() const;
};

// The four daily series and the range scored.
struct AnomalyResult {
  std::string from;
  std::string to;
  int window = 28;
  double threshold = 3.5;
  std::vector<Series> series;
};

// Builds and scores the daily series over the target schema `schema` in `tx`'s snapshot.
AnomalyResult anomalies(pqxx::transaction_base& tx, const std::string& schema,
                        const AnomalyOptions& options = {});

// Open orders held in one status for longer than its completed intervals allow.
struct StuckStatus {
  std::optional<std::string> status; // empty: NULL status
  std::int64_t completed = 0;        // completed intervals in the baseline window
  double median_hours = 0;           // of the completed intervals
  double mad_hours = 0;
  std::optional<double> limit_hours;          // empty: too few completed intervals to judge
  std::int64_t open = 0;                      // open orders in this status now
  std::int64_t stuck = 0;                     // of which older than limit_hours
  std::optional<double> oldest_hours;         // age of the oldest stuck one
  std::vector<std::int64_t> sample_order_ids; // the oldest stuck ones first
};

// Stuck orders per status, as of `as_of`.
struct StuckResult {
  std::string as_of;
  std::vector<StuckStatus> statuses;
};

// Finds open orders whose current status interval is older than median + threshold robust
// deviations of that status's completed intervals, in `tx`'s snapshot.
StuckResult stuck_orders(pqxx::transaction_base& tx, const std::string& schema,
                         const AnomalyOptions& options = {});

// The series as JSON (for --json): range, window, threshold, and per series its points with
// value, median, mad, z, scale and flagged.
nlohmann::ordered_json to_json(const AnomalyResult& result);

// Stuck orders as JSON: as_of and one object per status with the StuckStatus fields.
nlohmann::ordered_json to_json(const StuckResult& result);

// The open orders' current status intervals (order_id, status, valid_from) in `schema`, as a
// query to splice where a template says {open_intervals} (sql/quality/open_intervals.sql): the
// stuck orders and the time-in-status report read them.
std::string open_intervals_sql(std::string_view schema);

} // namespace acme::quality

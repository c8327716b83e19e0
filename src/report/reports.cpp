#include "acme/report/reports.hpp"

#include "acme/db/connection.hpp"
#include "acme/quality/anomalies.hpp"
#include "acme/sql/embedded.hpp"

#include <string>

namespace acme::report {

const std::vector<Report>& catalog() {
  static const std::vector<Report> reports{
      {"open-orders",
       "open_orders_by_delivery_date_and_status.csv",
       sql::reports_open_orders_by_delivery_date_and_status,
       {{"delivery_date", CellKind::date},
        {"status", CellKind::text},
        {"order_count", CellKind::number},
        {"total_amount", CellKind::number}}},
      {"top-dates",
       "top_delivery_dates.csv",
       sql::reports_top_delivery_dates,
       {{"delivery_date", CellKind::date},
        {"open_order_count", CellKind::number},
        {"unique_customers", CellKind::number}}},
      {"pending-items",
       "pending_items_by_product.csv",
       sql::reports_pending_items_by_product,
       {{"product_id", CellKind::number},
        {"product_name", CellKind::text},
        {"pending_items", CellKind::number},
        {"pending_amount", CellKind::number}}},
      {"top-customers",
       "top_customers_by_pending_orders.csv",
       sql::reports_top_customers_by_pending_orders,
       {{"customer_id", CellKind::number},
        {"customer_name", CellKind::text},
        {"pending_order_count", CellKind::number},
        {"pending_amount", CellKind::number}}},
      {"status-durations",
       "status_durations.csv",
       sql::reports_status_durations,
       {{"status", CellKind::text},
        {"intervals", CellKind::number},
        {"orders", CellKind::number},
        {"avg_hours", CellKind::number},
        {"p50_hours", CellKind::number},
        {"p90_hours", CellKind::number},
        {"max_hours", CellKind::number},
        {"open_intervals", CellKind::number},
        {"open_p90_hours", CellKind::number}}},
      // Not in --all: it shows what the newest `acme quality` run found, not the orders.
      {"quality",
       "data_quality.csv",
       sql::reports_data_quality,
       {{"run_id", CellKind::number},
        {"finished_at", CellKind::text},
        {"run_score", CellKind::number},
        {"rule", CellKind::text},
        {"table_name", CellKind::text},
        {"severity", CellKind::text},
        {"violating_rows", CellKind::number},
        {"total_rows", CellKind::number},
        {"share", CellKind::number},
        {"sample_keys", CellKind::text},
        {"oldest_seconds", CellKind::number},
        {"error", CellKind::text}},
       false},
  };
  return reports;
}

std::string report_sql(const Report& report, const ReportParams& params) {
  return db::render(report.sql, {{"schema", db::quote_ident(params.schema)},
                                 {"days", std::to_string(params.days)},
                                 {"open_intervals", quality::open_intervals_sql(params.schema)}});
}

const Report* find_report(std::string_view name) {
  for (const auto& r : catalog()) {
    if (r.name == name) {
      return &r;
    }
  }
  return nullptr;
}

} // namespace acme::report
